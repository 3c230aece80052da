package auth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/proctest"
)

// newJWKS returns a JWKS on the server's key set, closed when the test ends.
func newJWKS(t *testing.T, url string, edit ...func(*auth.JWKSConfig)) *auth.JWKS {
	t.Helper()
	cfg := auth.JWKSConfig{URL: url, Issuer: testIssuer, Audience: testAudience, Timeout: 2 * time.Second,
		Logger: quietLogger(t)}
	for _, e := range edit {
		e(&cfg)
	}
	j, err := auth.NewJWKS(bg(t), cfg)
	require.NoError(t, err)
	t.Cleanup(j.Close)
	return j
}

func authenticates(t *testing.T, j *auth.JWKS, tok string) auth.Principal {
	t.Helper()
	p, err := j.Authenticate(bg(t), auth.Credentials{AuthToken: tok})
	require.NoError(t, err)
	return p
}

// invalid fails the test unless tok is refused as invalid (not as the key
// set being unavailable).
func invalid(t *testing.T, j *auth.JWKS, tok string) error {
	t.Helper()
	_, err := j.Authenticate(bg(t), auth.Credentials{AuthToken: tok})
	require.ErrorIs(t, err, auth.ErrInvalidCredentials)
	require.NotErrorIs(t, err, auth.ErrUnavailable)
	return err
}

func unavailable(t *testing.T, j *auth.JWKS, tok string) {
	t.Helper()
	_, err := j.Authenticate(bg(t), auth.Credentials{AuthToken: tok})
	require.ErrorIs(t, err, auth.ErrUnavailable)
}

// TestJWKSRotation: a key published after start is found when the first
// token signed with it arrives; tokens with unknown key ids cost at most
// one fetch per UnknownKIDInterval, however many arrive; a key taken out
// of the set stops being accepted once the set is fetched again.
func TestJWKSRotation(t *testing.T) {
	const window = 2 * time.Second
	a, b := newEd25519(t, "key-a"), newEd25519(t, "key-b")
	srv := newJWKSServer(t, a.jwk(t, "EdDSA"))
	j := newJWKS(t, srv.url(), func(c *auth.JWKSConfig) { c.UnknownKIDInterval = window })
	require.EqualValues(t, 1, srv.requests.Load(), "fetched once at start")

	p := authenticates(t, j, a.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { c["role"] = "admin" })))
	assert.Equal(t, "u1", p.UserID)
	assert.Equal(t, "sess-u1", p.SessionID)
	assert.Equal(t, "admin", p.Role)
	assert.EqualValues(t, 1, srv.requests.Load(), "a known key costs no fetch")

	// The service rotates: it publishes key-b and signs with it.
	srv.publish(a.jwk(t, "EdDSA"), b.jwk(t, "EdDSA"))
	rotated := time.Now()
	assert.Equal(t, "u2", authenticates(t, j, b.sign(t, jwksClaims("u2"))).UserID, "new key accepted without restart")
	assert.EqualValues(t, 2, srv.requests.Load(), "one fetch for the new key")

	// A flood of tokens with made-up key ids, all at once.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { invalid(t, j, b.sign(t, jwksClaims("u3"), fmt.Sprintf("forged-%d", i))) })
	}
	wg.Wait()
	// The limiter allows one fetch per window: since the fetch for key-b
	// (which took the only token), at most one per window elapsed.
	extra := srv.requests.Load() - 2
	allowed := int64(time.Since(rotated) / window)
	t.Logf("%d fetches for 50 unknown key ids, %v after the rotation (window %v)", extra, time.Since(rotated), window)
	assert.LessOrEqual(t, extra, allowed)

	// key-a is withdrawn; the next allowed fetch (caused by an unknown key
	// id once the window passed) takes it out of the known keys.
	srv.publish(b.jwk(t, "EdDSA"))
	before := srv.requests.Load()
	require.Eventually(t, func() bool {
		_, _ = j.Authenticate(bg(t), auth.Credentials{AuthToken: b.sign(t, jwksClaims("u3"), "not-yet-published")})
		return srv.requests.Load() > before
	}, 5*window, window/10)
	invalid(t, j, a.sign(t, jwksClaims("u1")))
	authenticates(t, j, b.sign(t, jwksClaims("u2")))
}

// TestJWKSAttacks: tokens an attacker can make are refused as invalid.
func TestJWKSAttacks(t *testing.T) {
	ed := newEd25519(t, "ed")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rs := signer{kid: "rs", method: jwt.SigningMethodRS256, key: rsaKey}
	ps := signer{kid: "ps", method: jwt.SigningMethodPS256, key: rsaKey}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	es := signer{kid: "es", method: jwt.SigningMethodES256, key: ecKey}
	secret := []byte("a symmetric secret that leaked in a key set!")
	srv := newJWKSServer(t, ed.jwk(t, "EdDSA"), rs.jwk(t, "RS256"), ps.jwk(t, "PS256"), es.jwk(t, ""),
		octJWK("sym", secret))
	j := newJWKS(t, srv.url(), func(c *auth.JWKSConfig) { c.UnknownKIDInterval = time.Hour })

	// The genuine tokens pass, so that each refusal below is the attack's.
	for _, s := range []signer{ed, rs, ps, es} {
		authenticates(t, j, s.sign(t, jwksClaims("u1")))
	}

	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey))})
	hmacWith := func(kid string, key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwksClaims("u1"))
		tok.Header["kid"] = kid
		return must(tok.SignedString(key))
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwksClaims("u1"))
	none.Header["kid"] = "ed"
	attacker := newEd25519(t, "ed")

	for name, tok := range map[string]string{
		"alg none":                          must(none.SignedString(jwt.UnsafeAllowNoneSignatureType)),
		"HS256 keyed with the RSA PEM":      hmacWith("rs", rsaPEM),
		"HS256 keyed with the Ed25519 key":  hmacWith("ed", ed.key.Public().(ed25519.PublicKey)),
		"HS256 with a symmetric key of set": hmacWith("sym", secret),
		"another key under a known kid":     attacker.sign(t, jwksClaims("u1")),
		"a kid the set does not have":       attacker.sign(t, jwksClaims("u1"), "evil"),
		"no kid":                            attacker.sign(t, jwksClaims("u1"), ""),
		"RS256 under a PS256 key":           signer{kid: "ps", method: jwt.SigningMethodRS256, key: rsaKey}.sign(t, jwksClaims("u1")),
		"PS256 under an RS256 key":          signer{kid: "rs", method: jwt.SigningMethodPS256, key: rsaKey}.sign(t, jwksClaims("u1")),
		"ES384 under a P-256 key":           signer{kid: "es", method: jwt.SigningMethodES384, key: must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))}.sign(t, jwksClaims("u1")),
		"wrong issuer":                      ed.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })),
		"wrong audience":                    ed.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { c["aud"] = "another-app" })),
		"expired":                           ed.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"no expiry":                         ed.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { delete(c, "exp") })),
		"not yet valid":                     ed.sign(t, jwksClaims("u1", func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"no subject":                        ed.sign(t, jwksClaims("", func(c jwt.MapClaims) { delete(c, "sub") })),
		"not a token":                       "eyJhbGciOiJFZERTQSJ9.e30.AAAA",
	} {
		t.Run(name, func(t *testing.T) { invalid(t, j, tok) })
	}
	assert.LessOrEqual(t, srv.requests.Load(), int64(2), "the start, then at most one fetch within the window")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestJWKSUnavailable: while the key set cannot be fetched, tokens signed
// with a key already known still pass; others are refused as unavailable,
// not as invalid, at handshake too.
func TestJWKSUnavailable(t *testing.T) {
	a, b := newEd25519(t, "key-a"), newEd25519(t, "key-b")

	t.Run("down from the start", func(t *testing.T) {
		srv := newJWKSServer(t, a.jwk(t, "EdDSA"))
		srv.setDown(true)
		j := newJWKS(t, srv.url())
		unavailable(t, j, a.sign(t, jwksClaims("u1")))
		ts, _ := start(t, required(j), whoNamespace("/p"))
		ce := refused(t, ts, "/p", token(a.sign(t, jwksClaims("u1"))))
		assert.Equal(t, "UNAVAILABLE", ce.Code)
		assert.Equal(t, "Authentication unavailable", ce.Message)
	})

	t.Run("down after start", func(t *testing.T) {
		const window = 300 * time.Millisecond
		srv := newJWKSServer(t, a.jwk(t, "EdDSA"))
		j := newJWKS(t, srv.url(), func(c *auth.JWKSConfig) { c.UnknownKIDInterval = window })
		ts, _ := start(t, required(j), whoNamespace("/p"))
		srv.setDown(true)
		srv.publish(a.jwk(t, "EdDSA"), b.jwk(t, "EdDSA"))

		assert.Equal(t, "u1", whoami(t, ts.Dial(t, "/p", token(a.sign(t, jwksClaims("u1"))))).UserID,
			"a known key needs no fetch")
		ce := refused(t, ts, "/p", token(b.sign(t, jwksClaims("u2"))))
		assert.Equal(t, "UNAVAILABLE", ce.Code, "a key the set may hold, which it cannot tell")
		unavailable(t, j, b.sign(t, jwksClaims("u2"))) // the limiter refuses a fetch: still unavailable

		srv.setDown(false)
		require.Eventually(t, func() bool {
			_, err := j.Authenticate(bg(t), auth.Credentials{AuthToken: b.sign(t, jwksClaims("u2"))})
			return err == nil
		}, 20*window, window/3, "the new key is fetched once the service is back")
	})

	t.Run("nothing listens", func(t *testing.T) {
		srv := newJWKSServer(t, a.jwk(t, "EdDSA"))
		j := newJWKS(t, srv.url(), func(c *auth.JWKSConfig) { c.UnknownKIDInterval = time.Millisecond })
		srv.Close()
		authenticates(t, j, a.sign(t, jwksClaims("u1")))
		unavailable(t, j, b.sign(t, jwksClaims("u2")))
	})
}

// TestJWKSOversizedKeySet: a key set larger than 1 MiB is not read to its
// end: the fetch fails, and tokens are refused as unavailable.
func TestJWKSOversizedKeySet(t *testing.T) {
	a := newEd25519(t, "key-a")
	key := must(json.Marshal(a.jwk(t, "EdDSA")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, `{"padding":%q,"keys":[%s]}`, strings.Repeat("x", 2<<20), key)
	}))
	t.Cleanup(srv.Close)
	unavailable(t, newJWKS(t, srv.URL), a.sign(t, jwksClaims("u1")))
}

func TestNewJWKSRefusesIncompleteConfig(t *testing.T) {
	for name, cfg := range map[string]auth.JWKSConfig{
		"no URL":      {Issuer: testIssuer, Audience: testAudience},
		"relative":    {URL: "/jwks", Issuer: testIssuer, Audience: testAudience},
		"no issuer":   {URL: "http://127.0.0.1:1/jwks", Audience: testAudience},
		"no audience": {URL: "http://127.0.0.1:1/jwks", Issuer: testIssuer},
		"HMAC":        {URL: "http://127.0.0.1:1/jwks", Issuer: testIssuer, Audience: testAudience, Algorithms: []string{"HS256"}},
		"none":        {URL: "http://127.0.0.1:1/jwks", Issuer: testIssuer, Audience: testAudience, Algorithms: []string{"none"}},
	} {
		_, err := auth.NewJWKS(bg(t), cfg)
		assert.Error(t, err, name)
	}
}

// quietLogger logs into a buffer shown only if the test fails.
func quietLogger(t *testing.T) *slog.Logger {
	t.Helper()
	buf := &proctest.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("JWKS log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, nil))
}
