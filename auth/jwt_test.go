package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/auth"
)

// jwtKeys are the test keys, generated once per test binary.
type jwtKeys struct {
	hmac, otherHMAC []byte
	rsa             *rsa.PrivateKey
	edPub           ed25519.PublicKey
	ed              ed25519.PrivateKey
}

func newJWTKeys(t *testing.T) jwtKeys {
	t.Helper()
	k := jwtKeys{hmac: []byte("0123456789abcdef0123456789abcdef"), otherHMAC: []byte("fedcba9876543210fedcba9876543210")}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	k.edPub, k.ed, err = ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}

// claims returns valid claims for u1, changed by edit.
func claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub": "u1", "email": "alice@example.com", "role": "admin", "sid": "s1",
		"iss": "https://id.example", "aud": "workspace",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestJWTOverHandshake(t *testing.T) {
	k := newJWTKeys(t)
	j, err := auth.NewJWT(auth.JWTConfig{
		Keys: []auth.JWTKey{
			{ID: "hs", Algorithm: "HS256", Key: k.hmac},
			{ID: "rs", Algorithm: "RS256", Key: &k.rsa.PublicKey},
			{ID: "ed", Algorithm: "EdDSA", Key: k.edPub},
		},
		Issuer: "https://id.example", Audience: "workspace", Leeway: 30 * time.Second,
	})
	require.NoError(t, err)
	ts, logs := start(t, required(j), whoNamespace("/p"))

	accepted := map[string]string{
		"HS256": sign(t, jwt.SigningMethodHS256, "hs", k.hmac, claims(nil)),
		"RS256": sign(t, jwt.SigningMethodRS256, "rs", k.rsa, claims(nil)),
		"EdDSA": sign(t, jwt.SigningMethodEdDSA, "ed", k.ed, claims(nil)),
		"expired within the leeway": sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-5 * time.Second).Unix() })),
		"audience list": sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["aud"] = []string{"other", "workspace"} })),
		"jti as session": sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { delete(c, "sid"); c["jti"] = "s1" })),
	}
	for name, tok := range accepted {
		t.Run("accepts "+name, func(t *testing.T) {
			who := whoami(t, ts.Dial(t, "/p", token(tok)))
			assert.True(t, who.Authenticated)
			assert.Equal(t, "u1", who.UserID)
			assert.Equal(t, "admin", who.Role)
			assert.Equal(t, "s1", who.SessionID)
			if name != "expired within the leeway" {
				assert.WithinDuration(t, time.Now().Add(time.Hour+30*time.Second), who.ExpiresAt, 5*time.Second,
					"exp plus the leeway")
			}
		})
	}

	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	refusedTokens := []struct{ name, token, logged string }{
		{"wrong signature", sign(t, jwt.SigningMethodHS256, "hs", k.otherHMAC, claims(nil)), "signature is invalid"},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["aud"] = "billing" })), "token has invalid audience"},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "token has invalid issuer"},
		{"expired", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), "token is expired"},
		{"no expiry", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { delete(c, "exp") })), "token is missing required claim: exp claim is required"},
		{"future nbf", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Minute).Unix() })), "token is not valid yet"},
		{"alg none", none, "token signature is invalid"},
		{"unknown kid", sign(t, jwt.SigningMethodHS256, "old", k.hmac, claims(nil)), `unknown key id \"old\"`},
		{"no kid", sign(t, jwt.SigningMethodHS256, "", k.hmac, claims(nil)), `unknown key id \"\"`},
		{"algorithm of another key", sign(t, jwt.SigningMethodHS256, "ed", k.hmac, claims(nil)), "key \\\"ed\\\" is for EdDSA"},
		{"no subject", sign(t, jwt.SigningMethodHS256, "hs", k.hmac,
			claims(func(c jwt.MapClaims) { delete(c, "sub") })), "no subject"},
		{"not a JWT", "hello", "token is malformed"},
	}
	for _, tc := range refusedTokens {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			ce := refused(t, ts, "/p", token(tc.token))
			assert.Equal(t, "Invalid session", ce.Message)
			assert.Equal(t, "UNAUTHORIZED", ce.Code)
			assert.Contains(t, logs.String(), tc.logged)
		})
	}
}

func TestJWTKeyRotation(t *testing.T) {
	k := newJWTKeys(t)
	old := auth.JWTKey{ID: "2026-10", Algorithm: "HS256", Key: k.hmac}
	next := auth.JWTKey{ID: "2026-11", Algorithm: "HS256", Key: k.otherHMAC}
	j, err := auth.NewJWT(auth.JWTConfig{Keys: []auth.JWTKey{old}})
	require.NoError(t, err)
	ts, _ := start(t, required(j), whoNamespace("/p"))
	oldTok := sign(t, jwt.SigningMethodHS256, old.ID, old.Key, claims(nil))
	nextTok := sign(t, jwt.SigningMethodHS256, next.ID, next.Key, claims(nil))

	ts.Dial(t, "/p", token(oldTok))
	refused(t, ts, "/p", token(nextTok)) // not published yet

	require.NoError(t, j.SetKeys([]auth.JWTKey{old, next})) // overlap
	ts.Dial(t, "/p", token(oldTok))
	ts.Dial(t, "/p", token(nextTok))

	require.NoError(t, j.SetKeys([]auth.JWTKey{next})) // old one retired
	refused(t, ts, "/p", token(oldTok))
	ts.Dial(t, "/p", token(nextTok))
}

func TestJWTFromCookie(t *testing.T) {
	k := newJWTKeys(t)
	j, err := auth.NewJWT(auth.JWTConfig{Keys: []auth.JWTKey{{Algorithm: "EdDSA", Key: k.edPub}}, Cookie: "jwt"})
	require.NoError(t, err)
	ts, _ := start(t, required(j), whoNamespace("/p"))
	tok := sign(t, jwt.SigningMethodEdDSA, "", k.ed, claims(nil))
	c := ts.Dial(t, "/p", rtkittestCookie("jwt="+tok))
	assert.Equal(t, "u1", whoami(t, c).UserID)
}

func TestNewJWTRefusesUnusableKeys(t *testing.T) {
	k := newJWTKeys(t)
	for name, keys := range map[string][]auth.JWTKey{
		"none":            nil,
		"short HMAC":      {{Algorithm: "HS256", Key: []byte("short")}},
		"RSA as HMAC":     {{Algorithm: "HS256", Key: &k.rsa.PublicKey}},
		"HMAC as RSA":     {{Algorithm: "RS256", Key: k.hmac}},
		"private Ed25519": {{Algorithm: "EdDSA", Key: k.ed}},
		"alg none":        {{Algorithm: "none", Key: jwt.UnsafeAllowNoneSignatureType}},
		"duplicate id":    {{ID: "a", Algorithm: "HS256", Key: k.hmac}, {ID: "a", Algorithm: "HS256", Key: k.hmac}},
	} {
		_, err := auth.NewJWT(auth.JWTConfig{Keys: keys})
		assert.Error(t, err, name)
	}
}
