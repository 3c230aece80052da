package auth_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

const (
	testIssuer   = "https://id.example"
	testAudience = "rtkit"
)

// jwksServer is an identity service's key set endpoint on 127.0.0.1 that
// counts its requests, and whose keys a test rotates or takes down.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64

	mu   sync.Mutex
	keys []map[string]any // the published keys, as JSON objects
	down bool             // answer 503
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) url() string { return s.URL + "/.well-known/jwks.json" }

// publish replaces the published keys.
func (s *jwksServer) publish(keys ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// signer is a private key with its key id and algorithm.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

func newEd25519(t *testing.T, kid string) signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return signer{kid: kid, method: jwt.SigningMethodEdDSA, key: priv}
}

// jwk is the public key as a key set publishes it, with alg unless empty.
func (s signer) jwk(t *testing.T, alg string) map[string]any {
	j, err := jwkset.NewJWKFromKey(s.key.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: s.kid, ALG: jwkset.ALG(alg), USE: jwkset.UseSig},
	})
	require.NoError(t, err)
	raw, err := json.Marshal(j.Marshal())
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// jwksClaims returns valid claims for user sub, changed by edit.
func jwksClaims(sub string, edit ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{"sub": sub, "iss": testIssuer, "aud": testAudience, "sid": "sess-" + sub,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for _, e := range edit {
		e(c)
	}
	return c
}

// sign signs c with s, naming kid in the header (s.kid unless given).
func (s signer) sign(t *testing.T, c jwt.MapClaims, kid ...string) string {
	tok := jwt.NewWithClaims(s.method, c)
	tok.Header["kid"] = s.kid
	if len(kid) > 0 {
		tok.Header["kid"] = kid[0]
	}
	raw, err := tok.SignedString(s.key)
	require.NoError(t, err)
	return raw
}

// octJWK is a symmetric key in a key set.
func octJWK(kid string, secret []byte) map[string]any {
	return map[string]any{"kty": "oct", "kid": kid, "alg": "HS256", "k": base64.RawURLEncoding.EncodeToString(secret)}
}

// bg is a context for direct calls to an authenticator.
func bg(t *testing.T) context.Context { return ctx5(t) }
