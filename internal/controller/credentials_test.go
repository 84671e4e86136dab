/*
Copyright 2026 The cloudjob-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"bytes"
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

func TestWhitespaceFlaw(t *testing.T) {
	for v, want := range map[string]string{
		"":                   "",
		"AKIDEXAMPLE":        "",
		"secret with spaces": "",
		"secret\n":           "ends with a newline",
		"secret\r\n":         `ends with a Windows line break (\r\n)`,
		"secret ":            "ends with whitespace",
		"secret\t":           "ends with whitespace",
		" secret":            "starts with whitespace",
		"\nsecret":           "starts with whitespace",
		"sec\nret":           "holds a line break",
		"sec\rret":           "holds a line break",
	} {
		if got := whitespaceFlaw(v); got != want {
			t.Errorf("whitespaceFlaw(%q) = %q, want %q", v, got, want)
		}
	}
}

// TestSecretStoreReadsEachVersionOnce: values are read from the API server once
// per resourceVersion, only the credential keys are kept, and Secrets nobody
// asks for are dropped.
func TestSecretStoreReadsEachVersionOnce(t *testing.T) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "creds"},
		Data: map[string][]byte{
			SecretKeyAccessKey: []byte("AK"), SecretKeySecretKey: []byte("SK"),
			"helm-release": bytes.Repeat([]byte("x"), 1<<20),
		},
	}
	gets := 0
	c := fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(secret).
		WithInterceptorFuncs(interceptor.Funcs{Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			gets++
			return cl.Get(ctx, key, obj, opts...)
		}}).Build()
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(secret), secret); err != nil {
		t.Fatal(err)
	}
	gets = 0
	store := newSecretStore(c)
	key := client.ObjectKeyFromObject(secret)
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for range 3 {
		data, err := store.values(context.Background(), key, secret.ResourceVersion, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != 2 || string(data[SecretKeySecretKey]) != "SK" {
			t.Fatalf("stored %d keys: want only the credential keys", len(data))
		}
	}
	if gets != 1 {
		t.Errorf("%d reads of one version, want 1", gets)
	}
	if _, err := store.values(context.Background(), key, "another-version", t0); err != nil || gets != 2 {
		t.Errorf("a new version was not read again (%d reads, %v)", gets, err)
	}
	if store.changed(context.Background(), key, t0) {
		t.Error("an unchanged Secret reads as changed")
	}
	secret.Data[SecretKeySecretKey] = []byte("SK2")
	if err := c.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if !store.changed(context.Background(), key, t0) {
		t.Error("a new secret key reads as unchanged")
	}
	if _, err := store.values(context.Background(), types.NamespacedName{Namespace: "ns", Name: "missing"}, "1", t0); err == nil {
		t.Error("a missing Secret was read")
	}
	if n := store.size(); n != 1 {
		t.Errorf("%d Secrets stored, want 1 (a missing one is not stored)", n)
	}
	if _, err := store.values(context.Background(), key, secret.ResourceVersion, t0.Add(secretUnusedAfter+time.Minute)); err != nil {
		t.Fatal(err)
	}
	store.forget(key)
	if n := store.size(); n != 0 {
		t.Errorf("%d Secrets stored after forget", n)
	}
}
