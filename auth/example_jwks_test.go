package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The identity service publishes its public keys at a URL (here a stand-in
// on 127.0.0.1; better-auth's jwt plugin serves them at /api/auth/jwks).
// The server fetches them, and fetches them again when a token names a key
// it has not seen: the service can rotate keys without a restart.
func ExampleNewJWKS() {
	pub, priv := exMust2(ed25519.GenerateKey(rand.Reader))
	key := exMust(jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: "2026-12", ALG: jwkset.AlgEdDSA, USE: jwkset.UseSig},
	}))
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{key.Marshal()}})
	}))
	defer idp.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop() // stops the background fetches
	verifier := exMust(auth.NewJWKS(ctx, auth.JWKSConfig{
		URL:      idp.URL + "/api/auth/jwks",
		Issuer:   "https://id.example",
		Audience: "workspace",
		Logger:   exQuiet,
	}))

	srv := rtkit.NewServer(auth.Required(verifier, auth.WithLogger(exQuiet)), rtkit.WithLogger(exQuiet))
	srv.Mount(exProfileNamespace())
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()

	issue := func(kid string) string {
		t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
			"sub": "u-42", "role": "editor", "iss": "https://id.example", "aud": "workspace",
			"exp": time.Now().Add(time.Hour).Unix(),
		})
		t.Header["kid"] = kid
		return exMust(t.SignedString(priv))
	}
	exCall(ts, rtkittest.WithAuth(map[string]any{"token": issue("2026-12")}))
	exCall(ts, rtkittest.WithAuth(map[string]any{"token": issue("made-up")}))
	// Output:
	// connected as u-42 (editor)
	// refused: Invalid session (UNAUTHORIZED)
}
