package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTKey is one key a JWT may be signed with.
type JWTKey struct {
	// ID is the key id: a token whose header names this "kid" is checked
	// with this key. A key with an empty ID checks tokens without kid.
	ID string
	// Algorithm is the only algorithm accepted with this key: "HS256",
	// "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "ES256",
	// "ES384", "ES512" or "EdDSA". Binding it to the key keeps a token from
	// choosing how its signature is checked.
	Algorithm string
	// Key verifies signatures: []byte (at least 32 bytes) for HS*,
	// *rsa.PublicKey for RS* and PS*, *ecdsa.PublicKey for ES*,
	// ed25519.PublicKey for EdDSA.
	Key any
}

// JWTConfig configures NewJWT. The zero value of each field is its default.
type JWTConfig struct {
	// Keys are the verification keys. Rotate by adding the new key (new
	// ID) before tokens are signed with it and removing the old one once
	// its tokens have expired; SetKeys does it without a restart.
	Keys []JWTKey
	// Issuer, when set, must equal the "iss" claim.
	Issuer string
	// Audience, when set, must be one of the "aud" claim's values.
	Audience string
	// Leeway tolerates clock skew when checking "exp", "nbf" and "iat".
	Leeway time.Duration
	// AllowNoExpiry accepts tokens without an "exp" claim (refused by
	// default: such a token is valid forever).
	AllowNoExpiry bool
	// Cookie names a cookie to read the token from when the client sent
	// none in its handshake auth or Authorization header.
	Cookie string
	// Now returns the current time (default time.Now), for tests.
	Now func() time.Time
}

// JWT authenticates signed JSON Web Tokens (github.com/golang-jwt/jwt/v5).
// The token comes from the handshake auth.token, the bearer header, or
// the configured cookie. Claims map to the principal: "sub" is UserID,
// "email", "name" and "role" the fields of the same name, "sid" (else
// "jti") SessionID, "exp" (plus Leeway) ExpiresAt; all of them are in
// Claims.
//
// A JWT is safe for concurrent use, SetKeys included.
type JWT struct {
	cfg  JWTConfig
	keys atomic.Pointer[keySet]
}

// keySet is one generation of keys, with the parser that accepts their
// algorithms (built once: a Parser is read-only once made).
type keySet struct {
	byID   map[string]JWTKey
	parser *jwt.Parser
}

var _ Authenticator = (*JWT)(nil)

// NewJWT returns a JWT authenticator, or an error when a key is unusable.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	j := &JWT{cfg: cfg}
	if err := j.SetKeys(cfg.Keys); err != nil {
		return nil, err
	}
	return j, nil
}

// SetKeys replaces the verification keys. Handshakes already in progress
// finish with the keys they started with.
func (j *JWT) SetKeys(keys []JWTKey) error {
	if len(keys) == 0 {
		return errors.New("auth: JWT: no key")
	}
	ks := &keySet{byID: map[string]JWTKey{}}
	var algs []string
	for _, k := range keys {
		if _, dup := ks.byID[k.ID]; dup {
			return fmt.Errorf("auth: JWT: key id %q given twice", k.ID)
		}
		if err := checkKey(k); err != nil {
			return fmt.Errorf("auth: JWT: key %q: %w", k.ID, err)
		}
		ks.byID[k.ID] = k
		if !slices.Contains(algs, k.Algorithm) {
			algs = append(algs, k.Algorithm)
		}
	}
	ks.parser = jwt.NewParser(j.parserOptions(algs)...)
	j.keys.Store(ks)
	return nil
}

// checkKey refuses a key that does not fit its algorithm.
func checkKey(k JWTKey) error {
	var ok bool
	switch k.Algorithm {
	case "HS256", "HS384", "HS512":
		b, isBytes := k.Key.([]byte)
		if isBytes && len(b) < 32 {
			return errors.New("HMAC key shorter than 32 bytes")
		}
		ok = isBytes
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		_, ok = k.Key.(*rsa.PublicKey)
	case "ES256", "ES384", "ES512":
		_, ok = k.Key.(*ecdsa.PublicKey)
	case "EdDSA":
		_, ok = k.Key.(ed25519.PublicKey)
	default:
		return fmt.Errorf("algorithm %q not supported", k.Algorithm)
	}
	if !ok {
		return fmt.Errorf("key of type %T does not fit %s", k.Key, k.Algorithm)
	}
	return nil
}

// CookieNames names the configured cookie, if any.
func (j *JWT) CookieNames() []string { return cookieList(j.cfg.Cookie) }

// Authenticate verifies the token and maps its claims to a principal. Every
// failure wraps ErrInvalidCredentials.
func (j *JWT) Authenticate(_ context.Context, c Credentials) (Principal, error) {
	raw := c.bearerToken(j.cfg.Cookie)
	if raw == "" {
		return Principal{}, fmt.Errorf("%w: no token", ErrInvalidCredentials)
	}
	claims := jwt.MapClaims{}
	ks := j.keys.Load()
	_, err := ks.parser.ParseWithClaims(raw, claims, ks.keyFunc)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	return principalOfClaims(claims, j.cfg.Leeway)
}

// parserOptions are the checks every token goes through: one of algs,
// and the configured claims.
func (j *JWT) parserOptions(algs []string) []jwt.ParserOption {
	return claimChecks(algs, j.cfg.Issuer, j.cfg.Audience, j.cfg.Leeway, j.cfg.AllowNoExpiry, j.cfg.Now)
}

// claimChecks are the parser options of JWT and JWKS: the accepted
// algorithms, issuer, audience, expiry (required unless allowNoExpiry),
// not-before and issued-at with leeway.
func claimChecks(algs []string, issuer, audience string, leeway time.Duration, allowNoExpiry bool,
	now func() time.Time) []jwt.ParserOption {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithIssuedAt(),
	}
	if !allowNoExpiry {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if issuer != "" {
		opts = append(opts, jwt.WithIssuer(issuer))
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	return opts
}

// keyFunc picks the key the token's kid names and checks that the token
// uses that key's algorithm.
func (ks *keySet) keyFunc(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	k, ok := ks.byID[kid]
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	if t.Method.Alg() != k.Algorithm {
		return nil, fmt.Errorf("key %q is for %s, token uses %s", kid, k.Algorithm, t.Method.Alg())
	}
	return k.Key, nil
}

// principalOfClaims maps verified claims to a principal.
func principalOfClaims(claims jwt.MapClaims, leeway time.Duration) (Principal, error) {
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return Principal{}, fmt.Errorf("%w: no subject", ErrInvalidCredentials)
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	p := Principal{UserID: sub, Email: str("email"), Name: str("name"), Role: str("role"),
		SessionID: str("sid"), Claims: claims}
	if p.SessionID == "" {
		p.SessionID = str("jti")
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		p.ExpiresAt = exp.Time.Add(leeway)
	}
	return p, nil
}
