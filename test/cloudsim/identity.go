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
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// The identity services: IAM's federation and temporary keys, STS's
// agencies, and the node metadata service. They issue temporary keys (an
// access key, a secret key and a security token) that expire in simulated
// time; the gateway then accepts them until they expire or their principal
// is revoked.

// IdentityProvider is an IAM identity provider (OpenID Connect) that trusts
// an issuer's ID tokens.
type IdentityProvider struct {
	ID       string          `json:"id"`
	Issuer   string          `json:"issuer"`
	Audience string          `json:"audience"`
	JWKS     json.RawMessage `json:"jwks"`
	// Subjects are the token subjects its mapping rule maps to a user; empty
	// maps every subject.
	Subjects []string `json:"subjects,omitempty"`
	// DomainID is the account the provider belongs to, which STS's
	// caller-identity names for its federated users; DefaultDomainID when
	// empty.
	DomainID string `json:"domainId,omitempty"`
}

// DefaultDomainID is the account of every principal the simulator is not
// told the account of: static keys, the node, identity providers without
// one.
const DefaultDomainID = "sim-domain"

// Agency is an agency that can be assumed, by the keys of its Trusted
// principals ("key:{access key}", "idp:{id}", "node"; empty trusts any).
type Agency struct {
	DomainID   string   `json:"domainId"`
	DomainName string   `json:"domainName,omitempty"`
	Name       string   `json:"name"`
	ExternalID string   `json:"externalId,omitempty"`
	Trusted    []string `json:"trusted,omitempty"`
}

func (a Agency) principal() string { return "agency:" + a.DomainID + "/" + a.Name }

// identityStore holds the identity configuration and the IAM tokens issued.
type identityStore struct {
	mu       sync.Mutex
	idps     map[string]IdentityProvider
	agencies []Agency
	node     bool
	// nodeTokenRequired: the metadata service answers only requests with a
	// session token from PUT /meta-data/latest/api/token.
	nodeTokenRequired bool
	nodeTokens        map[string]time.Time // session token -> expiry (wall)
	tokens            map[string]iamToken
	lastNames         []string // session names of assumed agencies, for tests
	// issued are the secrets handed out (IAM tokens, secret keys, security
	// tokens), for tests that scan for leaks; at most maxIssued.
	issued []string
}

// maxIssued bounds the issued secrets remembered.
const maxIssued = 100_000

func (st *identityStore) noteIssued(secrets ...string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, v := range secrets {
		if len(st.issued) < maxIssued {
			st.issued = append(st.issued, v)
		}
	}
}

// IssuedSecrets lists the IAM tokens, secret keys and security tokens the
// identity services handed out, for tests that check none leaks.
func (s *Server) IssuedSecrets() []string {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	return append([]string(nil), s.ids.issued...)
}

type iamToken struct {
	principal string
	expires   time.Time // simulated
}

// AddIdentityProvider registers an identity provider.
func (s *Server) AddIdentityProvider(p IdentityProvider) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	if s.ids.idps == nil {
		s.ids.idps = map[string]IdentityProvider{}
	}
	s.ids.idps[p.ID] = p
}

// SetIdentityProviderDomain puts an identity provider in an account, which
// STS's caller-identity then names for its federated users.
func (s *Server) SetIdentityProviderDomain(id, domainID string) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	if p, ok := s.ids.idps[id]; ok {
		p.DomainID = domainID
		s.ids.idps[id] = p
	}
}

// AddAgency registers an agency.
func (s *Server) AddAgency(a Agency) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	s.ids.agencies = append(s.ids.agencies, a)
}

// SetNodeIdentity turns the metadata service's keys on or off.
func (s *Server) SetNodeIdentity(on bool) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	s.ids.node = on
}

// RequireMetadataToken makes the metadata service answer only requests that
// carry a session token (X-Metadata-Token) from PUT
// /meta-data/latest/api/token.
func (s *Server) RequireMetadataToken(on bool) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	s.ids.nodeTokenRequired = on
}

// Revoke revokes a principal ("idp:{id}", "agency:{domain id}/{name}",
// "node"): its issued keys stop working and it gets no new ones. Restore
// undoes it.
func (s *Server) Revoke(principal string)  { s.auth.setRevoked(principal, true) }
func (s *Server) Restore(principal string) { s.auth.setRevoked(principal, false) }

// SessionNames lists the session names agencies were assumed with.
func (s *Server) SessionNames() []string {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	return append([]string(nil), s.ids.lastNames...)
}

// identityPaths are the identity services' paths.
var identityPaths = map[string]string{
	"POST /v3.0/OS-AUTH/id-token/tokens":      "federate",
	"POST /v3.0/OS-CREDENTIAL/securitytokens": "securitytokens",
	"POST /v5/agencies/assume":                "sts",
	"GET /openstack/latest/securitykey":       "metadata",
	"PUT /meta-data/latest/api/token":         "metadata-token",
	"GET /v5/caller-identity":                 "caller-identity",
}

// Session names as Huawei's API reference and SDK models allow them: IAM's
// assume_role session_user.name (model AssumeroleSessionuser) takes 5-64
// letters, digits, '-' and '_', starting with a letter; STS v5's
// agency_session_name (model AssumeAgencyReqBody) 2-128 letters, digits and
// _+=,.@-.
var (
	iamSessionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{4,63}$`)
	stsSessionName = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{2,128}$`)
	// externalIDPattern is STS's external_id: 2-1224 of these characters
	// (the length is checked apart: regexp repeats at most 1000 times).
	externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9_+=,.@:/-]+$`)
)

// accountOf is the account (domain id) a principal belongs to.
func (s *Server) accountOf(principal string) string {
	kind, rest, _ := strings.Cut(principal, ":")
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	switch kind {
	case "idp":
		if p, ok := s.ids.idps[rest]; ok && p.DomainID != "" {
			return p.DomainID
		}
	case "agency":
		if domain, _, ok := strings.Cut(rest, "/"); ok {
			return domain
		}
	}
	return DefaultDomainID
}

// serveIdentity answers an identity request; false when the path is not one.
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request, body []byte, requestID string) bool {
	call, ok := identityPaths[r.Method+" "+r.URL.Path]
	if !ok {
		return false
	}
	wallNow, simNow := s.clock.wallNow(), s.clock.simNow()
	iamError := func(status int, code, msg string) {
		writeJSON(w, status, object{{"error_code", code}, {"error_msg", msg}, {"request_id", requestID}})
	}
	switch call {
	case "federate":
		principal, err := s.federate(r, body, wallNow)
		if err != nil {
			iamError(http.StatusUnauthorized, "IAM.0056", err.Error())
			return true
		}
		token := "iam-" + s.newID() + s.newID()
		s.ids.mu.Lock()
		if s.ids.tokens == nil {
			s.ids.tokens = map[string]iamToken{}
		}
		expires := simNow.Add(24 * time.Hour)
		s.ids.tokens[token] = iamToken{principal: principal, expires: expires}
		s.ids.mu.Unlock()
		s.ids.noteIssued(token)
		w.Header().Set("X-Subject-Token", token)
		writeJSON(w, http.StatusCreated, object{{"token", object{{"expires_at", bssTime(expires)}, {"methods", []string{"mapped"}}}}})
	case "securitytokens":
		var req struct {
			Auth struct {
				Identity struct {
					Methods []string `json:"methods"`
					Token   struct {
						ID       string `json:"id"`
						Duration int    `json:"duration_seconds"`
					} `json:"token"`
					AssumeRole struct {
						AgencyName string `json:"agency_name"`
						DomainID   string `json:"domain_id"`
						DomainName string `json:"domain_name"`
						Duration   int    `json:"duration_seconds"`
						Session    struct {
							Name string `json:"name"`
						} `json:"session_user"`
					} `json:"assume_role"`
				} `json:"identity"`
			} `json:"auth"`
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Auth.Identity.Methods) != 1 {
			iamError(http.StatusBadRequest, "IAM.0011", "Request parameter error: auth.identity")
			return true
		}
		id := req.Auth.Identity
		switch id.Methods[0] {
		case "token":
			token := r.Header.Get("X-Auth-Token")
			if token == "" {
				token = id.Token.ID
			}
			s.ids.mu.Lock()
			t, ok := s.ids.tokens[token]
			s.ids.mu.Unlock()
			switch {
			case !ok || !simNow.Before(t.expires):
				iamError(http.StatusUnauthorized, "IAM.0057", "The token is invalid or has expired.")
			case s.auth.isRevoked(t.principal):
				iamError(http.StatusForbidden, "IAM.0002", "The identity is revoked.")
			default:
				s.writeKeys(w, "credential", t.principal, durationOf(id.Token.Duration), simNow)
			}
		case "assume_role":
			caller, aerr := s.auth.authenticate(r, body, wallNow, simNow)
			if aerr != nil {
				iamError(http.StatusUnauthorized, aerr.code, aerr.msg)
				return true
			}
			ar := id.AssumeRole
			if !iamSessionName.MatchString(ar.Session.Name) {
				iamError(http.StatusBadRequest, "IAM.0011", "Request parameter error: auth.identity.assume_role.session_user.name must be 5-64 letters, digits, '-' and '_', starting with a letter.")
				return true
			}
			agency, msg := s.agencyFor(ar.DomainID, ar.DomainName, ar.AgencyName, s.auth.principalOf(caller))
			if msg != "" {
				iamError(http.StatusForbidden, "IAM.0002", msg)
				return true
			}
			s.noteSession(ar.Session.Name)
			s.writeKeys(w, "credential", agency.principal(), durationOf(ar.Duration), simNow)
		default:
			iamError(http.StatusBadRequest, "IAM.0011", "Request parameter error: unsupported method")
		}
	case "sts":
		caller, aerr := s.auth.authenticate(r, body, wallNow, simNow)
		if aerr != nil {
			iamError(http.StatusUnauthorized, aerr.code, aerr.msg)
			return true
		}
		var req struct {
			URN        string `json:"agency_urn"`
			Session    string `json:"agency_session_name"`
			Duration   int    `json:"duration_seconds"`
			ExternalID string `json:"external_id"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			iamError(http.StatusBadRequest, "STS.0001", "Invalid request body.")
			return true
		}
		switch {
		case !stsSessionName.MatchString(req.Session):
			iamError(http.StatusBadRequest, "STS.0001", "Invalid agency_session_name: 2-128 letters, digits and _+=,.@- are allowed.")
			return true
		case req.ExternalID != "" && (len(req.ExternalID) < 2 || len(req.ExternalID) > 1224 || !externalIDPattern.MatchString(req.ExternalID)):
			iamError(http.StatusBadRequest, "STS.0001", "Invalid external_id: 2-1224 letters, digits and _+=,.@:/- are allowed.")
			return true
		}
		// iam::{account id}:agency:{name}
		parts := strings.Split(req.URN, ":")
		if len(parts) != 5 || parts[0] != "iam" || parts[1] != "" || parts[3] != "agency" {
			iamError(http.StatusBadRequest, "STS.0002", "Invalid agency_urn.")
			return true
		}
		agency, msg := s.agencyFor(parts[2], "", parts[4], s.auth.principalOf(caller))
		switch {
		case msg != "":
			iamError(http.StatusForbidden, "STS.0003", msg)
		case agency.ExternalID != "" && req.ExternalID != agency.ExternalID:
			iamError(http.StatusForbidden, "STS.0004", "The external id does not match the agency's trust policy.")
		default:
			s.noteSession(req.Session)
			s.writeKeys(w, "credentials", agency.principal(), durationOf(req.Duration), simNow)
		}
	case "caller-identity":
		caller, aerr := s.auth.authenticate(r, body, wallNow, simNow)
		if aerr != nil {
			iamError(http.StatusUnauthorized, aerr.code, aerr.msg)
			return true
		}
		principal := s.auth.principalOf(caller)
		writeJSON(w, http.StatusOK, object{{"account_id", s.accountOf(principal)}, {"principal_urn", "iam::" + s.accountOf(principal) + ":" + principal}, {"principal_id", caller}})
	case "metadata-token":
		token := "mt-" + s.newID()
		s.ids.mu.Lock()
		if s.ids.nodeTokens == nil {
			s.ids.nodeTokens = map[string]time.Time{}
		}
		s.ids.nodeTokens[token] = wallNow.Add(5 * time.Minute)
		s.ids.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(token))
	case "metadata":
		s.ids.mu.Lock()
		on, required := s.ids.node, s.ids.nodeTokenRequired
		expires, known := s.ids.nodeTokens[r.Header.Get("X-Metadata-Token")]
		s.ids.mu.Unlock()
		if required && (!known || !wallNow.Before(expires)) {
			iamError(http.StatusUnauthorized, "Metadata.0401", "A session token (X-Metadata-Token) is required.")
			return true
		}
		if !on || s.auth.isRevoked("node") {
			iamError(http.StatusUnauthorized, "Metadata.0401", "No Cloud Service Agency is bound to this server.")
			return true
		}
		s.writeKeys(w, "credential", "node", time.Hour, simNow)
	}
	return true
}

func durationOf(seconds int) time.Duration {
	if seconds <= 0 {
		return time.Hour
	}
	return time.Duration(seconds) * time.Second
}

func (s *Server) noteSession(name string) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	s.ids.lastNames = append(s.ids.lastNames, name)
}

// agencyFor finds an agency and checks that the caller may assume it; the
// message says why not.
func (s *Server) agencyFor(domainID, domainName, name, caller string) (Agency, string) {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	for _, a := range s.ids.agencies {
		if a.Name != name || (domainID == "" || a.DomainID != domainID) && (domainName == "" || a.DomainName != domainName) {
			continue
		}
		if len(a.Trusted) > 0 && !slices.Contains(a.Trusted, caller) {
			return Agency{}, "The caller is not trusted by agency " + name + "."
		}
		if s.auth.isRevoked(a.principal()) {
			return Agency{}, "Agency " + name + " is revoked."
		}
		return a, ""
	}
	return Agency{}, "Agency " + name + " does not exist."
}

// writeKeys issues temporary keys for a principal, in IAM's shape
// ("credential") or STS's ("credentials").
func (s *Server) writeKeys(w http.ResponseWriter, shape, principal string, d time.Duration, simNow time.Time) {
	c := Credential{AccessKey: "TMP" + strings.ToUpper(s.newID()[:17]), SecretKey: s.newID() + s.newID(), SecurityToken: "st-" + s.newID() + s.newID() + s.newID()}
	if max := s.cfg.MaxKeyLifetime; max > 0 && d > max {
		d = max
	}
	expires := simNow.Add(d)
	s.auth.issue(c, principal, expires)
	s.ids.noteIssued(c.SecretKey, c.SecurityToken)
	at := expires.UTC().Format("2006-01-02T15:04:05.000000Z")
	if shape == "credentials" {
		writeJSON(w, http.StatusCreated, object{{"credentials", object{
			{"access_key_id", c.AccessKey}, {"secret_access_key", c.SecretKey}, {"security_token", c.SecurityToken}, {"expiration", at}}}})
		return
	}
	writeJSON(w, http.StatusCreated, object{{"credential", object{
		{"access", c.AccessKey}, {"secret", c.SecretKey}, {"securitytoken", c.SecurityToken}, {"expires_at", at}}}})
}

// federate checks an ID token against the identity provider X-Idp-Id names
// and returns its principal.
func (s *Server) federate(r *http.Request, body []byte, wallNow time.Time) (string, error) {
	var req struct {
		Auth struct {
			IDToken struct {
				ID string `json:"id"`
			} `json:"id_token"`
		} `json:"auth"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return "", errors.New("the body is not an id_token request")
	}
	idpID := r.Header.Get("X-Idp-Id")
	s.ids.mu.Lock()
	idp, ok := s.ids.idps[idpID]
	s.ids.mu.Unlock()
	principal := "idp:" + idpID
	switch {
	case !ok:
		return "", fmt.Errorf("identity provider %q does not exist", idpID)
	case s.auth.isRevoked(principal):
		return "", fmt.Errorf("identity provider %q is revoked", idpID)
	}
	claims, err := verifyJWT(req.Auth.IDToken.ID, idp.JWKS)
	if err != nil {
		return "", fmt.Errorf("the ID token is not valid: %w", err)
	}
	if claims.Issuer != idp.Issuer {
		return "", errors.New("the ID token's issuer is not the identity provider's")
	}
	if !claims.Audience.has(idp.Audience) {
		return "", errors.New("the ID token's audience is not the identity provider's client id")
	}
	if wallNow.Unix() >= claims.Expiry {
		return "", errors.New("the ID token has expired")
	}
	if len(idp.Subjects) > 0 && !slices.Contains(idp.Subjects, claims.Subject) {
		return "", errors.New("no mapping rule maps the ID token's subject")
	}
	return principal, nil
}

// jwtClaims are the claims the simulator checks.
type jwtClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	Expiry   int64    `json:"exp"`
}

// audience is a JWT aud: one string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

func (a audience) has(v string) bool { return slices.Contains(a, v) }

// verifyJWT checks an RS256 JWT's signature against a JWKS and returns its
// claims.
func verifyJWT(token string, jwks json.RawMessage) (jwtClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return jwtClaims{}, errors.New("not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &header) != nil || header.Alg != "RS256" {
		return jwtClaims{}, errors.New("the header is not RS256")
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return jwtClaims{}, errors.New("the identity provider's JWKS is unreadable")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return jwtClaims{}, errors.New("the signature is not base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	for _, k := range set.Keys {
		if k.Kid != header.Kid {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
			return jwtClaims{}, errors.New("the signature does not verify")
		}
		var claims jwtClaims
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil || json.Unmarshal(payload, &claims) != nil {
			return jwtClaims{}, errors.New("the claims are unreadable")
		}
		return claims, nil
	}
	return jwtClaims{}, errors.New("no key of the JWKS has the token's kid")
}

// Issuer mints RS256 ID tokens, as a cluster's service-account issuer does,
// for tests and demos.
type Issuer struct {
	URL string
	// Now is the clock of the tokens' times; nil means time.Now.
	Now func() time.Time
	key *rsa.PrivateKey
	kid string
}

// NewIssuer makes an issuer with a fresh RSA key.
func NewIssuer(url string) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &Issuer{URL: url, key: key, kid: "sim-1"}, nil
}

// JWKS is the issuer's public key set.
func (i *Issuer) JWKS() json.RawMessage {
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": i.kid,
		"n": base64.RawURLEncoding.EncodeToString(i.key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(i.key.E)).Bytes()),
	}}})
	return b
}

// Federate registers in s an identity provider that trusts the issuer's
// tokens for audience and maps subject, and mints a token of that subject
// valid for ttl: what a cluster whose service-account issuer is registered in
// IAM gives its pods.
func (i *Issuer) Federate(s *Server, idpID, subject, audience string, ttl time.Duration) (string, error) {
	s.AddIdentityProvider(IdentityProvider{ID: idpID, Issuer: i.URL, Audience: audience, JWKS: i.JWKS(), Subjects: []string{subject}})
	return i.Token(subject, audience, ttl)
}

// Token mints an ID token for subject and audience, valid for ttl.
func (i *Issuer) Token(subject, aud string, ttl time.Duration) (string, error) {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	if i.Now != nil {
		now = i.Now()
	}
	signing := enc(map[string]string{"alg": "RS256", "kid": i.kid, "typ": "JWT"}) + "." +
		enc(map[string]any{"iss": i.URL, "sub": subject, "aud": []string{aud}, "iat": now.Unix(), "exp": now.Add(ttl).Unix()})
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
