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

// Package identity obtains temporary keys for the credentials that are not
// stored: federation from the operator's service-account token, an agency
// assumed with other keys, or the node's metadata service. It keeps them in
// memory only, shares them between every CloudJob of the same source, and
// renews them well before they expire.
package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// Cloud makes the identity calls; *huaweicloud.Client is one.
type Cloud interface {
	FederatedToken(ctx context.Context, iamEndpoint, idpID, idToken, projectID string) (string, error)
	KeysFromToken(ctx context.Context, iamEndpoint, token string, duration time.Duration) (huaweicloud.TemporaryKeys, error)
	AssumeAgencyIAM(ctx context.Context, iamEndpoint string, base signer.Credentials, a huaweicloud.Agency) (huaweicloud.TemporaryKeys, error)
	AssumeAgencySTS(ctx context.Context, stsEndpoint string, base signer.Credentials, a huaweicloud.Agency) (huaweicloud.TemporaryKeys, error)
	NodeKeys(ctx context.Context, metadataEndpoint string) (huaweicloud.TemporaryKeys, error)
	CallerIdentity(ctx context.Context, stsEndpoint string, keys signer.Credentials) (string, error)
}

// Source says how to obtain temporary keys: one base (Static, Federation or
// NodeMetadata) and optionally an agency to assume with it.
type Source struct {
	// Key identifies the source: sources with the same Key share their keys.
	Key string
	// Name names the source in messages and metrics, for example
	// "CloudCredentials team-a/default". It holds no secret.
	Name string

	Static       *signer.Credentials
	Federation   *Federation
	NodeMetadata bool
	Agency       *huaweicloud.Agency
	// ExternalID reads the agency's external id when it is needed; nil for none.
	ExternalID func(ctx context.Context) (string, error)
	// NotInBaseAccount refuses an agency in the base identity's own account
	// (asked at STS's caller-identity before assuming it): a namespace may
	// assume agencies with the operator's identity, never act as the operator.
	NotInBaseAccount bool
	// Owners are the UIDs of the objects the source is made of; ForgetOwner
	// drops its keys when one of them is deleted.
	Owners []string

	IAMEndpoint, STSEndpoint string
}

// Federation exchanges the operator's service-account token.
type Federation struct {
	IdentityProviderID, ProjectID string
	Duration                      time.Duration
}

// Error is a failure to obtain keys. Rejected means the cloud refused the
// identity (401, 403, 400): it is asked again only after RejectedRetry.
type Error struct {
	Source   string
	Step     string
	Rejected bool
	Err      error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Step, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Broker obtains and keeps temporary keys. It is safe for concurrent use.
type Broker struct {
	Cloud Cloud
	// TokenFile is the operator's projected service-account token, read at
	// every exchange so that the kubelet's rotations are seen.
	TokenFile string
	// MetadataEndpoint is the node's metadata service.
	MetadataEndpoint string
	// RejectedRetry is the least time between two attempts with an identity
	// the cloud rejected; FailedRetry after other failures.
	RejectedRetry, FailedRetry time.Duration
	// Observe, when set, counts each call to the cloud by its result.
	Observe func(call, result string)
	// Limit, when set, paces the calls to the cloud, as the quota paces polls:
	// many sources renewing at once wait their turn.
	Limit *rate.Limiter
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	entries   map[string]*entry
	lastSweep time.Time
}

// entry is one source's keys and its last failure.
type entry struct {
	name   string
	owners []string
	mu     sync.Mutex // one attempt at a time

	keys     huaweicloud.TemporaryKeys
	obtained time.Time

	err      *Error
	failedAt time.Time
	lastUsed time.Time
}

// expiryMargin: keys this close to their expiry (a tenth of their life for
// short-lived ones) are not used any more, so that a request signed with them
// does not arrive after they expired.
const expiryMargin = time.Minute

// unusedAfter drops the keys of a source nothing asked for this long.
const unusedAfter = time.Hour

func (e *entry) usable(now time.Time) bool {
	margin := min(expiryMargin, e.keys.Expires.Sub(e.obtained)/10)
	return e.keys.AccessKey != "" && now.Before(e.keys.Expires.Add(-margin))
}

// renewAt is when the keys are renewed: with a third of their life left, which
// leaves room for several retries before they expire.
func (e *entry) renewAt() time.Time {
	return e.obtained.Add(e.keys.Expires.Sub(e.obtained) * 2 / 3)
}

// Credentials returns keys for src: the kept ones while they are fresh, else
// new ones. A failed renewal keeps the old keys in use while they last; it is
// retried after FailedRetry, or RejectedRetry when the cloud rejected the
// identity, never sooner.
func (b *Broker) Credentials(ctx context.Context, src Source) (signer.Credentials, error) {
	e := b.entry(src)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := b.now()
	e.lastUsed = now
	if e.usable(now) && now.Before(e.renewAt()) {
		return e.keys.Credentials, nil
	}
	if e.err != nil && now.Before(e.failedAt.Add(b.retryAfter(e.err))) {
		if e.usable(now) {
			return e.keys.Credentials, nil
		}
		return signer.Credentials{}, e.err
	}
	keys, err := b.obtain(ctx, src)
	if err != nil {
		e.err, e.failedAt = err, b.now()
		if e.usable(now) {
			return e.keys.Credentials, nil
		}
		return signer.Credentials{}, err
	}
	e.keys, e.obtained, e.err = keys, now, nil
	return keys.Credentials, nil
}

func (b *Broker) retryAfter(err *Error) time.Duration {
	if err.Rejected {
		return b.RejectedRetry
	}
	return b.FailedRetry
}

func (b *Broker) entry(src Source) *entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.entries == nil {
		b.entries = map[string]*entry{}
	}
	now := b.now()
	if now.Sub(b.lastSweep) > time.Minute {
		// Sources nothing asks for any more (a deleted CloudCredentials) go,
		// keys and all; busy ones are left for the next sweep.
		b.lastSweep = now
		for k, e := range b.entries {
			if e.mu.TryLock() {
				if now.Sub(e.lastUsed) > unusedAfter && k != src.Key {
					delete(b.entries, k)
				}
				e.mu.Unlock()
			}
		}
	}
	e := b.entries[src.Key]
	if e == nil {
		e = &entry{name: src.Name, lastUsed: now, owners: src.Owners}
		b.entries[src.Key] = e
	}
	return e
}

// ForgetOwner drops the keys of every source made of the object with this
// UID (a deleted CloudCredentials or Secret): an object re-created under the
// same name by someone else never inherits them.
func (b *Broker) ForgetOwner(uid string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, e := range b.entries {
		if slices.Contains(e.owners, uid) {
			delete(b.entries, k)
		}
	}
}

// Forget drops a source's keys, which the cloud rejected (the identity was
// revoked, for example): the next Credentials asks for new ones, within the
// rules for retries.
func (b *Broker) Forget(key string) {
	b.mu.Lock()
	e := b.entries[key]
	b.mu.Unlock()
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys = huaweicloud.TemporaryKeys{}
}

// Expiry lists when each kept source's keys expire, by source name, for the
// expiry metric.
func (b *Broker) Expiry() map[string]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]time.Time{}
	for _, e := range b.entries {
		if e.mu.TryLock() {
			if e.keys.AccessKey != "" {
				out[e.name] = e.keys.Expires
			}
			e.mu.Unlock()
		}
	}
	return out
}

// obtain asks the cloud for new keys: the base, then the agency.
func (b *Broker) obtain(ctx context.Context, src Source) (huaweicloud.TemporaryKeys, *Error) {
	var base huaweicloud.TemporaryKeys
	switch {
	case src.Static != nil:
		base = huaweicloud.TemporaryKeys{Credentials: *src.Static, Expires: b.now().Add(100 * 365 * 24 * time.Hour)}
	case src.Federation != nil:
		keys, err := b.federate(ctx, src)
		if err != nil {
			return huaweicloud.TemporaryKeys{}, err
		}
		base = keys
	case src.NodeMetadata:
		keys, err := call(ctx, b, "node-metadata", func() (huaweicloud.TemporaryKeys, error) { return b.Cloud.NodeKeys(ctx, b.MetadataEndpoint) })
		if err != nil {
			return huaweicloud.TemporaryKeys{}, b.fail(src, "reading the node's keys from the metadata service", err)
		}
		base = keys
	default:
		return huaweicloud.TemporaryKeys{}, &Error{Source: src.Name, Step: "choosing the base", Err: errors.New("no base credentials")}
	}
	if src.Agency == nil {
		return base, nil
	}
	a := *src.Agency
	if src.NotInBaseAccount {
		if err := b.checkAccount(ctx, src, base.Credentials); err != nil {
			return huaweicloud.TemporaryKeys{}, err
		}
	}
	if src.ExternalID != nil {
		id, err := src.ExternalID(ctx)
		if err != nil {
			return huaweicloud.TemporaryKeys{}, &Error{Source: src.Name, Step: "reading the external id", Rejected: true, Err: err}
		}
		a.ExternalID = id
		keys, err := call(ctx, b, "sts-assume-agency", func() (huaweicloud.TemporaryKeys, error) {
			return b.Cloud.AssumeAgencySTS(ctx, src.STSEndpoint, base.Credentials, a)
		})
		if err != nil {
			return huaweicloud.TemporaryKeys{}, b.fail(src, "assuming agency "+a.Name+" through STS", err)
		}
		return keys, nil
	}
	keys, err := call(ctx, b, "iam-assume-agency", func() (huaweicloud.TemporaryKeys, error) {
		return b.Cloud.AssumeAgencyIAM(ctx, src.IAMEndpoint, base.Credentials, a)
	})
	if err != nil {
		return huaweicloud.TemporaryKeys{}, b.fail(src, "assuming agency "+a.Name+" through IAM", err)
	}
	return keys, nil
}

// checkAccount refuses an agency in the base keys' own account.
func (b *Broker) checkAccount(ctx context.Context, src Source, base signer.Credentials) *Error {
	a := src.Agency
	if src.STSEndpoint == "" || a.DomainID == "" {
		return &Error{Source: src.Name, Step: "checking the agency's account", Rejected: true,
			Err: errors.New("an agency assumed with the operator's identity needs assumeAgency.domainID and an STS endpoint (region or stsEndpoint)")}
	}
	account, err := call(ctx, b, "sts-caller-identity", func() (string, error) { return b.Cloud.CallerIdentity(ctx, src.STSEndpoint, base) })
	if err != nil {
		return b.fail(src, "asking STS which account the operator's identity is in", err)
	}
	if account == a.DomainID {
		return &Error{Source: src.Name, Step: "checking the agency's account", Rejected: true,
			Err: fmt.Errorf("agency %s is in the operator's own account %s: a namespace may not assume the operator's agencies; name an agency in the namespace's own account", a.Name, account)}
	}
	return nil
}

// federate exchanges the operator's service-account token for an IAM token,
// and that for keys.
func (b *Broker) federate(ctx context.Context, src Source) (huaweicloud.TemporaryKeys, *Error) {
	f := src.Federation
	raw, err := os.ReadFile(b.TokenFile)
	idToken := strings.TrimSpace(string(raw))
	if b.TokenFile == "" || err != nil || idToken == "" {
		if err == nil {
			err = errors.New("no service-account token: start the operator with --federation-token-file naming a projected service-account token")
		}
		return huaweicloud.TemporaryKeys{}, &Error{Source: src.Name, Step: "reading the operator's service-account token", Err: err}
	}
	token, err := call(ctx, b, "iam-federated-token", func() (string, error) {
		return b.Cloud.FederatedToken(ctx, src.IAMEndpoint, f.IdentityProviderID, idToken, f.ProjectID)
	})
	if err != nil {
		return huaweicloud.TemporaryKeys{}, b.fail(src, "exchanging the service-account token at identity provider "+f.IdentityProviderID, err)
	}
	keys, err := call(ctx, b, "iam-keys-from-token", func() (huaweicloud.TemporaryKeys, error) {
		return b.Cloud.KeysFromToken(ctx, src.IAMEndpoint, token, f.Duration)
	})
	if err != nil {
		return huaweicloud.TemporaryKeys{}, b.fail(src, "exchanging the IAM token for temporary keys", err)
	}
	return keys, nil
}

// fail wraps a cloud error; the classes that mean "this identity is refused"
// are rejections.
func (b *Broker) fail(src Source, step string, err error) *Error {
	switch huaweicloud.ClassOf(err) {
	case huaweicloud.ErrAuthenticationFailed, huaweicloud.ErrForbidden, huaweicloud.ErrInvalidRequest, huaweicloud.ErrNotFound:
		return &Error{Source: src.Name, Step: step, Rejected: true, Err: err}
	}
	return &Error{Source: src.Name, Step: step, Err: err}
}

func call[T any](ctx context.Context, b *Broker, name string, f func() (T, error)) (T, error) {
	if b.Limit != nil {
		if err := b.Limit.Wait(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
	v, err := f()
	if b.Observe != nil {
		result := "ok"
		if err != nil {
			result = string(huaweicloud.ClassOf(err))
			if result == "" {
				result = "error"
			}
		}
		b.Observe(name, result)
	}
	return v, err
}

func (b *Broker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}
