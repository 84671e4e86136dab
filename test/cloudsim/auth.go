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

package cloudsim

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// Credential is an access key the simulator accepts.
type Credential struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	// SecurityToken makes the key a temporary one: every request must carry
	// this token in X-Security-Token, as the gateway checks temporary keys
	// issued by STS. A wrong or missing token fails authentication.
	SecurityToken string `json:"securityToken,omitempty"`
}

// String keeps the secret key and the token out of logs and test failure
// messages.
func (c Credential) String() string {
	return fmt.Sprintf("Credential{AccessKey: %q, SecretKey: [redacted], SecurityToken: [redacted]}", c.AccessKey)
}

// Gateway error codes for authentication, as the API gateway spells them.
const (
	CodeAuthFailed  = "APIGW.0301"
	CodeAuthExpired = "APIGW.0303"
)

// authError is a rejected authentication: the code and message the gateway
// answers with.
type authError struct {
	code string
	msg  string
}

func (e *authError) Error() string { return e.code + ": " + e.msg }

func authFailed(detail string) *authError {
	return &authError{code: CodeAuthFailed, msg: "Incorrect IAM authentication information: " + detail}
}

// keyState is the gateway's memory of one access key: its secret and its
// run of consecutive failures.
type keyState struct {
	secret string
	token  string // "" for a permanent key
	// previous is the token a re-added key had before: still valid, as
	// rotated temporary credentials overlap.
	previous    string
	failures    int
	lockedUntil time.Time // simulated
	// issued keys: when they expire (simulated) and whose they are, so that
	// revoking the principal revokes them.
	expires   time.Time
	principal string
}

// authenticator checks SDK-HMAC-SHA256 signatures and locks keys the way
// the real gateway does: more than maxFailures consecutive failures lock a
// key for lockFor; a success resets the run.
type authenticator struct {
	mu          sync.Mutex
	keys        map[string]*keyState
	revoked     map[string]bool // principals
	maxFailures int
	lockFor     time.Duration
	maxSkew     time.Duration
}

func newAuthenticator(maxFailures int, lockFor, maxSkew time.Duration) *authenticator {
	return &authenticator{keys: map[string]*keyState{}, revoked: map[string]bool{}, maxFailures: maxFailures, lockFor: lockFor, maxSkew: maxSkew}
}

// add registers credentials; re-adding a key replaces its secret and keeps
// its failure state. A new security token replaces the old one, which stays
// valid until the next replacement.
func (a *authenticator) add(creds ...Credential) error {
	for _, c := range creds {
		if c.AccessKey == "" || c.SecretKey == "" {
			return errors.New("credentials need both accessKey and secretKey")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range creds {
		if k, ok := a.keys[c.AccessKey]; ok {
			if k.token != c.SecurityToken {
				k.previous = k.token
			}
			k.secret, k.token = c.SecretKey, c.SecurityToken
			continue
		}
		a.keys[c.AccessKey] = &keyState{secret: c.SecretKey, token: c.SecurityToken}
	}
	return nil
}

// authenticate returns the request's access key (when one could be read)
// and nil, or an *authError. wallNow is the real clock for the date check;
// simNow drives the lock. The access key is returned even on failure so
// stats can count the attempt against it.
func (a *authenticator) authenticate(r *http.Request, body []byte, wallNow, simNow time.Time) (string, *authError) {
	header := r.Header.Get(signer.HeaderAuthorization)
	if header == "" {
		return "", authFailed("the Authorization header is missing")
	}
	auth, err := signer.ParseAuthorization(header)
	if err != nil {
		return "", authFailed("the Authorization header is malformed")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	key, ok := a.keys[auth.AccessKey]
	if !ok {
		return auth.AccessKey, authFailed("the access key does not exist")
	}
	if simNow.Before(key.lockedUntil) {
		// A locked key is refused without looking at the signature, so a
		// correct request cannot tell whether the lock is over.
		return auth.AccessKey, authFailed("the access key is locked after too many failed authentication attempts")
	}
	aerr := a.check(r, body, auth, key.secret, wallNow)
	token := r.Header.Get(signer.HeaderSecurityToken)
	switch {
	case aerr != nil:
	case key.token == "" && token != "":
		aerr = authFailed("the security token is unknown: the access key is not a temporary one")
	case key.token != "" && token != key.token && (key.previous == "" || token != key.previous):
		aerr = authFailed("the security token is invalid or has expired")
	case !key.expires.IsZero() && !simNow.Before(key.expires):
		aerr = authFailed("the security token has expired")
	case key.principal != "" && a.revoked[key.principal]:
		aerr = authFailed("the security token was revoked")
	}
	if aerr != nil {
		key.failures++
		if key.failures > a.maxFailures {
			key.failures = 0
			key.lockedUntil = simNow.Add(a.lockFor)
		}
		return auth.AccessKey, aerr
	}
	key.failures = 0
	return auth.AccessKey, nil
}

func (a *authenticator) check(r *http.Request, body []byte, auth signer.Authorization, secret string, wallNow time.Time) *authError {
	date, err := signer.RequestDate(r)
	if err != nil {
		return authFailed("the X-Sdk-Date header is missing or not in the form 20060102T150405Z")
	}
	if skew := wallNow.Sub(date); skew > a.maxSkew || skew < -a.maxSkew {
		return &authError{code: CodeAuthExpired, msg: fmt.Sprintf("Incorrect app authentication information: the request date %s is more than %s off the server time", date.Format(signer.DateFormat), a.maxSkew)}
	}
	switch err := signer.Verify(r, body, auth, secret); {
	case err == nil:
		return nil
	case errors.Is(err, signer.ErrDateNotSigned):
		return authFailed("X-Sdk-Date is not among the signed headers")
	default:
		return authFailed("the signature does not match")
	}
}

// issue registers temporary keys of a principal, valid until expires.
func (a *authenticator) issue(c Credential, principal string, expires time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys[c.AccessKey] = &keyState{secret: c.SecretKey, token: c.SecurityToken, expires: expires, principal: principal}
}

// setRevoked revokes a principal (its keys fail, and it gets no new ones), or
// restores it.
func (a *authenticator) setRevoked(principal string, revoked bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if revoked {
		a.revoked[principal] = true
	} else {
		delete(a.revoked, principal)
	}
}

func (a *authenticator) isRevoked(principal string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.revoked[principal]
}

// principalOf is the principal of an access key: its issuer's for issued
// keys, "key:{access key}" for configured ones.
func (a *authenticator) principalOf(accessKey string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := a.keys[accessKey]; ok && k.principal != "" {
		return k.principal
	}
	return "key:" + accessKey
}

// locked reports whether key is locked at simulated time simNow.
func (a *authenticator) locked(accessKey string, simNow time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.keys[accessKey]
	return ok && simNow.Before(k.lockedUntil)
}
