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
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ExternalIDs assigns each namespace the external id the operator sends when
// it assumes an agency with its own identity on that namespace's behalf: the
// defence against the confused deputy. The operator chooses it, never the
// tenant, so a namespace can reach only agencies whose trust policy requires
// its own id.
//
// The id is an HMAC of the namespace's UID under a key that only the operator
// holds: the file --external-id-key-file names (a mounted Secret), else the
// UID of the operator's own namespace, which tenants cannot read. So it is
// the same across restarts and replicas without any state to store, unique
// per namespace, unguessable from outside, and a namespace deleted and
// created again (by someone else, perhaps) gets a new one.
type ExternalIDs struct {
	// Reader reads Namespaces from the API server (not cached: only one
	// namespace is read, once per CloudCredentials).
	Reader client.Reader
	// KeyFile holds the HMAC key; "" uses the operator namespace's UID.
	KeyFile string
	// OperatorNamespace is the operator's own namespace.
	OperatorNamespace string

	mu  sync.Mutex
	key []byte
	// byOwner holds the id given to each CloudCredentials (by UID): a
	// CloudCredentials lives in one namespace incarnation, so its id never
	// changes.
	byOwner map[string]string
}

// externalIDPrefix marks the ids as the operator's in trust policies.
const externalIDPrefix = "cloudjob-"

// ForNamespace returns the external id of a namespace, by name.
func (x *ExternalIDs) ForNamespace(ctx context.Context, namespace string) (string, error) {
	key, err := x.hmacKey(ctx)
	if err != nil {
		return "", err
	}
	var ns corev1.Namespace
	if err := x.Reader.Get(ctx, types.NamespacedName{Name: namespace}, &ns); err != nil {
		return "", fmt.Errorf("reading namespace %s for its external id: %w", namespace, err)
	}
	return externalID(key, string(ns.UID)), nil
}

// ForOwner returns the external id of the namespace of a CloudCredentials,
// remembered by the CloudCredentials' UID.
func (x *ExternalIDs) ForOwner(ctx context.Context, namespace, ownerUID string) (string, error) {
	x.mu.Lock()
	id, ok := x.byOwner[ownerUID]
	x.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := x.ForNamespace(ctx, namespace)
	if err != nil {
		return "", err
	}
	x.mu.Lock()
	if x.byOwner == nil {
		x.byOwner = map[string]string{}
	}
	x.byOwner[ownerUID] = id
	x.mu.Unlock()
	return id, nil
}

// ForgetOwner drops what was remembered for a deleted CloudCredentials.
func (x *ExternalIDs) ForgetOwner(ownerUID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.byOwner, ownerUID)
}

// externalID is the id of the namespace with this UID: 32 characters of
// base32 (which STS's external_id, 2-1224 of [A-Za-z0-9_+=,.@:/-], takes).
func externalID(key []byte, namespaceUID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("cloudjob-operator external id\x00" + namespaceUID))
	sum := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:20])
	return externalIDPrefix + strings.ToLower(sum)
}

// hmacKey reads the key once: it never changes while the operator runs.
func (x *ExternalIDs) hmacKey(ctx context.Context) ([]byte, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.key != nil {
		return x.key, nil
	}
	switch {
	case x.KeyFile != "":
		raw, err := os.ReadFile(x.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("reading --external-id-key-file: %w", err)
		}
		if len(raw) < 16 {
			return nil, errors.New("--external-id-key-file holds fewer than 16 bytes: put a long random key in it")
		}
		x.key = raw
	case x.OperatorNamespace != "":
		var ns corev1.Namespace
		err := x.Reader.Get(ctx, types.NamespacedName{Name: x.OperatorNamespace}, &ns)
		if apierrors.IsNotFound(err) || (err == nil && ns.UID == "") {
			return nil, fmt.Errorf("the operator's namespace %s does not exist: set --operator-namespace", x.OperatorNamespace)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the operator's namespace %s for the external-id key: %w", x.OperatorNamespace, err)
		}
		x.key = []byte("namespace " + string(ns.UID))
	default:
		return nil, errors.New("the operator has no key for external ids: set --operator-namespace (or $POD_NAMESPACE), or --external-id-key-file")
	}
	return x.key, nil
}
