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
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// secretStore holds the credential values of the Secrets that CloudJobs refer
// to, each for the resourceVersion it was read at.
//
// The operator watches Secrets as metadata only: a cache of every Secret with
// its data would grow with Secrets the operator never uses (Helm keeps up to ten
// releases of up to 1 MB each as Secrets). The values of a referenced Secret
// are read from the API server once per version and kept here; only the three
// credential keys are kept. (A map keyed by name and version; controller-
// runtime's cache can only hold every Secret of a namespace or none.)
type secretStore struct {
	reader client.Reader // uncached: reads go to the API server

	mu        sync.Mutex
	entries   map[types.NamespacedName]*secretEntry
	lastSweep time.Time
}

type secretEntry struct {
	resourceVersion string
	data            map[string][]byte // the credential keys only
	lastUsed        time.Time
}

// secretUnusedAfter drops a stored Secret that no reconcile has asked for
// this long.
const secretUnusedAfter = time.Hour

func newSecretStore(reader client.Reader) *secretStore {
	return &secretStore{reader: reader, entries: map[types.NamespacedName]*secretEntry{}}
}

// secretMeta is a Secret's metadata, as the metadata-only cache holds it.
func secretMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}

// values returns the credential keys of Secret key at resourceVersion, reading
// the Secret from the API server when the stored version is another.
func (s *secretStore) values(ctx context.Context, key types.NamespacedName, resourceVersion string, now time.Time) (map[string][]byte, error) {
	s.mu.Lock()
	s.sweepLocked(now)
	if e := s.entries[key]; e != nil && e.resourceVersion == resourceVersion {
		e.lastUsed = now
		data := e.data
		s.mu.Unlock()
		return data, nil
	}
	s.mu.Unlock()
	return s.read(ctx, key, now)
}

// changed reads Secret key again and reports whether its credential values
// differ from the stored ones. A Secret never stored counts as changed: a
// CloudJob may be waiting for it.
func (s *secretStore) changed(ctx context.Context, key types.NamespacedName, now time.Time) bool {
	s.mu.Lock()
	e := s.entries[key]
	s.mu.Unlock()
	if e == nil {
		return true
	}
	data, err := s.read(ctx, key, now)
	return err != nil || !maps.EqualFunc(data, e.data, bytes.Equal)
}

// read reads Secret key from the API server and stores its credential values.
func (s *secretStore) read(ctx context.Context, key types.NamespacedName, now time.Time) (map[string][]byte, error) {
	var secret corev1.Secret
	if err := s.reader.Get(ctx, key, &secret); err != nil {
		return nil, err
	}
	data := credentialData(&secret)
	s.mu.Lock()
	s.entries[key] = &secretEntry{resourceVersion: secret.ResourceVersion, data: data, lastUsed: now}
	s.mu.Unlock()
	return data, nil
}

// forget drops a deleted Secret.
func (s *secretStore) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
}

// size is how many Secrets are stored.
func (s *secretStore) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// sweepLocked drops, at most once a minute, the Secrets nothing asked for in
// secretUnusedAfter.
func (s *secretStore) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < time.Minute {
		return
	}
	s.lastSweep = now
	for k, e := range s.entries {
		if now.Sub(e.lastUsed) >= secretUnusedAfter {
			delete(s.entries, k)
		}
	}
}

// credentialData copies the credential keys of a Secret.
func credentialData(secret *corev1.Secret) map[string][]byte {
	data := map[string][]byte{}
	for _, k := range []string{SecretKeyAccessKey, SecretKeySecretKey, SecretKeySecurityToken} {
		if v, ok := secret.Data[k]; ok {
			data[k] = v
		}
	}
	return data
}
