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

// Gate keeps the calls signed with static keys within the gateway's lock
// rules: the gateway locks an access key after more than five failed
// authentications in a row, whatever the call, so the agency calls of many
// sources that share one wrong key must not each try it. The controller's
// authentication gate, which guards the polls signed with the same keys, is
// one.
type Gate interface {
	// Admit asks to send one call signed with creds now.
	Admit(creds signer.Credentials) Admission
}

// Admission is a Gate's answer.
type Admission struct {
	// Done, when set, lets the call go: call it with the call's error once the
	// call is answered.
	Done func(error)
	// Wait is how long to hold the call back when Done is nil; Rejected says
	// it is because the cloud rejected these keys lately (else another call
	// with them is under way).
	Wait     time.Duration
	Rejected bool
}

// Broker obtains and keeps temporary keys. It is safe for concurrent use.
//
// Keys are obtained in the background, one attempt per source at a time: a
// caller gets the kept keys at once while they are usable, even while they are
// being renewed; a caller without usable keys waits, as long as its context
// lets it, for the attempt under way instead of starting its own. No lock is
// held across a call to the cloud.
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
	// Gate, when set, admits the agency calls signed with static keys.
	Gate Gate
	// AttemptTimeout bounds one attempt to obtain keys, its waits for Limit
	// and Gate included; 0 means DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex // guards entries and what they hold; never held across a call
	entries   map[string]*entry
	lastSweep time.Time
}

// DefaultAttemptTimeout bounds an attempt to obtain keys: two calls of at
// most 30 s each (the client's timeout) and some waiting for the limiter.
const DefaultAttemptTimeout = 2 * time.Minute

// entry is one source's keys, its last failure and its attempt under way.
type entry struct {
	name   string
	owners []string // UIDs of the objects the source is made of

	keys     huaweicloud.TemporaryKeys
	obtained time.Time

	err      *Error
	retryAt  time.Time // no new attempt before, after err
	lastUsed time.Time

	// attempt is the attempt under way, nil when none.
	attempt *attempt
}

// attempt is one background attempt to obtain a source's keys; done is
// closed once keys or err is set.
type attempt struct {
	done    chan struct{}
	started time.Time
	keys    huaweicloud.TemporaryKeys
	err     *Error
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

// mayTry reports whether a new attempt may start now: none is under way, and
// the last failure's retry time has come.
func (e *entry) mayTry(now time.Time) bool {
	return e.attempt == nil && (e.err == nil || !now.Before(e.retryAt))
}

// Credentials returns keys for src: the kept ones while they are usable, else
// the ones the attempt under way (or one it starts) obtains. Keys due for
// renewal are renewed in the background while the caller goes on with them. A
// failed attempt is retried after FailedRetry, or RejectedRetry when the cloud
// rejected the identity, never sooner; the old keys stay in use while they
// last.
func (b *Broker) Credentials(ctx context.Context, src Source) (signer.Credentials, error) {
	b.mu.Lock()
	now := b.now()
	e := b.entryLocked(src, now)
	if e.usable(now) {
		if !now.Before(e.renewAt()) && e.mayTry(now) {
			b.startLocked(ctx, src, e, now)
		}
		keys := e.keys.Credentials
		b.mu.Unlock()
		return keys, nil
	}
	a := e.attempt
	if a == nil {
		if !e.mayTry(now) {
			err := e.err
			b.mu.Unlock()
			return signer.Credentials{}, err
		}
		a = b.startLocked(ctx, src, e, now)
	}
	b.mu.Unlock()
	return a.wait(ctx, src.Name)
}

// startLocked starts an attempt in the background. It outlives the caller's
// context (other callers may wait for it) but not AttemptTimeout.
func (b *Broker) startLocked(ctx context.Context, src Source, e *entry, now time.Time) *attempt {
	a := &attempt{done: make(chan struct{}), started: now}
	e.attempt = a
	timeout := b.AttemptTimeout
	if timeout <= 0 {
		timeout = DefaultAttemptTimeout
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	go func() {
		defer cancel()
		keys, err := b.obtain(actx, src)
		b.settle(e, a, keys, err)
	}()
	return a
}

// settle records an attempt's outcome in its entry, then releases the callers
// waiting for it.
func (b *Broker) settle(e *entry, a *attempt, keys huaweicloud.TemporaryKeys, err *Error) {
	b.mu.Lock()
	if err != nil {
		e.err, e.retryAt = err, b.now().Add(b.retryAfter(err))
	} else {
		e.keys, e.obtained, e.err = keys, a.started, nil
	}
	e.attempt = nil
	a.keys, a.err = keys, err
	b.mu.Unlock()
	close(a.done)
}

// wait waits for the attempt's keys, as long as ctx lets it.
func (a *attempt) wait(ctx context.Context, source string) (signer.Credentials, error) {
	select {
	case <-a.done:
		if a.err != nil {
			return signer.Credentials{}, a.err
		}
		return a.keys.Credentials, nil
	case <-ctx.Done():
		return signer.Credentials{}, &Error{Source: source, Step: "waiting for the keys being obtained", Err: ctx.Err()}
	}
}

func (b *Broker) retryAfter(err *Error) time.Duration {
	if err.Rejected {
		return b.RejectedRetry
	}
	return b.FailedRetry
}

// entryLocked returns src's entry, made if needed, marked as used now. At most
// once a minute it drops the sources nothing asked for lately.
func (b *Broker) entryLocked(src Source, now time.Time) *entry {
	if b.entries == nil {
		b.entries = map[string]*entry{}
	}
	e := b.entries[src.Key]
	if e == nil {
		e = &entry{name: src.Name, owners: src.Owners}
		b.entries[src.Key] = e
	}
	e.lastUsed = now
	if now.Sub(b.lastSweep) > time.Minute {
		b.sweepLocked(now)
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

// sweepLocked drops the sources nothing asked for in unusedAfter (a deleted
// CloudCredentials), keys and all, unless an attempt is under way or a failure
// still holds new attempts back; and the keys that expired, which are never
// handed out again.
func (b *Broker) sweepLocked(now time.Time) {
	b.lastSweep = now
	for k, e := range b.entries {
		switch {
		case e.attempt == nil && now.Sub(e.lastUsed) > unusedAfter && !now.Before(e.retryAt):
			delete(b.entries, k)
		case e.keys.AccessKey != "" && !now.Before(e.keys.Expires):
			e.keys = huaweicloud.TemporaryKeys{}
		}
	}
}

// Forget drops a source's keys after the cloud rejected its access key (the
// identity was revoked, for example), so that the next Credentials asks for
// new ones, within the rules for retries. Keys obtained since the rejected
// ones were handed out are kept: many jobs rejected with the same keys cause
// one new attempt, not one each.
func (b *Broker) Forget(key, rejectedAccessKey string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.entries[key]; e != nil && e.keys.AccessKey == rejectedAccessKey {
		e.keys = huaweicloud.TemporaryKeys{}
	}
}

// Expiry lists, by source name, when the keys in use expire, for the expiry
// metric: one value per name, the latest of its sources' usable keys, and
// none for keys nobody asked for since they were due for renewal (those are
// idle, not failing to renew). It sweeps first, so that the sources and keys
// that are gone are not reported.
func (b *Broker) Expiry() map[string]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.sweepLocked(now)
	out := map[string]time.Time{}
	for _, e := range b.entries {
		if !e.usable(now) || e.lastUsed.Before(e.renewAt()) && !now.Before(e.renewAt()) {
			continue
		}
		if at := e.keys.Expires; at.After(out[e.name]) {
			out[e.name] = at
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
		return b.signed(ctx, src, "assuming agency "+a.Name+" through STS", "sts-assume-agency", func() (huaweicloud.TemporaryKeys, error) {
			return b.Cloud.AssumeAgencySTS(ctx, src.STSEndpoint, base.Credentials, a)
		})
	}
	return b.signed(ctx, src, "assuming agency "+a.Name+" through IAM", "iam-assume-agency", func() (huaweicloud.TemporaryKeys, error) {
		return b.Cloud.AssumeAgencyIAM(ctx, src.IAMEndpoint, base.Credentials, a)
	})
}

// signed makes an agency call signed with the source's base keys. Static base
// keys pass the Gate first, and the Gate learns what the call proved about
// them; temporary base keys are new at every attempt and need no gate.
func (b *Broker) signed(ctx context.Context, src Source, step, name string, f func() (huaweicloud.TemporaryKeys, error)) (huaweicloud.TemporaryKeys, *Error) {
	var (
		keys huaweicloud.TemporaryKeys
		err  error
	)
	if src.Static == nil || b.Gate == nil {
		keys, err = call(ctx, b, name, f)
	} else {
		keys, err = b.gated(ctx, src, name, f)
	}
	if err != nil {
		if errors.As(err, new(heldBack)) {
			return huaweicloud.TemporaryKeys{}, &Error{Source: src.Name, Step: step, Rejected: true, Err: err}
		}
		return huaweicloud.TemporaryKeys{}, b.fail(src, step, err)
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
	// Account ids are hex: a tenant that spells one in capitals names the
	// same account.
	if strings.EqualFold(account, a.DomainID) {
		return &Error{Source: src.Name, Step: "checking the agency's account", Rejected: true,
			Err: fmt.Errorf("agency %s is in the operator's own account %s: a namespace may not assume the operator's agencies; name an agency in the namespace's own account", a.Name, account)}
	}
	return nil
}

// gated makes a call signed with static keys once the Gate admits it. It
// waits for its turn at Limit first, so that an admitted call is sent at once
// rather than keeping others with the same keys waiting. While another call
// with the same keys is under way it waits (within ctx); while the keys are
// held back after a rejection it gives up with a heldBack.
func (b *Broker) gated(ctx context.Context, src Source, name string, f func() (huaweicloud.TemporaryKeys, error)) (huaweicloud.TemporaryKeys, error) {
	if err := b.pace(ctx); err != nil {
		return huaweicloud.TemporaryKeys{}, err
	}
	for {
		adm := b.Gate.Admit(*src.Static)
		if adm.Done != nil {
			return admitted(b, adm.Done, name, f)
		}
		if adm.Rejected {
			return huaweicloud.TemporaryKeys{}, heldBack{}
		}
		t := time.NewTimer(max(adm.Wait, minGateWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return huaweicloud.TemporaryKeys{}, ctx.Err()
		case <-t.C:
		}
	}
}

// minGateWait keeps a Gate that asks for no wait from making a busy loop.
const minGateWait = 10 * time.Millisecond

// admitted makes an admitted call and reports its outcome to the Gate, even
// if it panics.
func admitted(b *Broker, done func(error), name string, f func() (huaweicloud.TemporaryKeys, error)) (keys huaweicloud.TemporaryKeys, err error) {
	err = errors.New("the call did not return")
	defer func() { done(err) }()
	return observed(b, name, f)
}

// heldBack is a call the Gate held back after the cloud rejected its keys.
type heldBack struct{}

func (heldBack) Error() string {
	return "not sent: the cloud rejected the same keys lately, and the gateway locks an access key after repeated failures; fix the keys in the Secret, or wait for the retry"
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

// call makes a call to the cloud in its turn at Limit, and counts it.
func call[T any](ctx context.Context, b *Broker, name string, f func() (T, error)) (T, error) {
	if err := b.pace(ctx); err != nil {
		var zero T
		return zero, err
	}
	return observed(b, name, f)
}

// pace waits for a turn at Limit, if any.
func (b *Broker) pace(ctx context.Context) error {
	if b.Limit == nil {
		return nil
	}
	return b.Limit.Wait(ctx)
}

// observed makes a call and counts it by its result.
func observed[T any](b *Broker, name string, f func() (T, error)) (T, error) {
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
