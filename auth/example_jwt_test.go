package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// exQuiet keeps the examples' output to what they print.
var exQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// exMust keeps the examples' set-up short.
func exMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The identity provider signs tokens with an Ed25519 key and publishes the
// public half under a key id; the server accepts tokens of its issuer and
// audience only.
func ExampleNewJWT() {
	pub, priv := exMust2(ed25519.GenerateKey(rand.Reader))
	verifier := exMust(auth.NewJWT(auth.JWTConfig{
		Keys:     []auth.JWTKey{{ID: "2026-11", Algorithm: "EdDSA", Key: pub}},
		Issuer:   "https://id.example",
		Audience: "workspace",
		Leeway:   5 * time.Second,
	}))

	srv := rtkit.NewServer(auth.Required(verifier, auth.WithLogger(exQuiet)), rtkit.WithLogger(exQuiet))
	srv.Mount(exProfileNamespace())
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()

	issue := func(aud string) string {
		t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
			"sub": "u-42", "role": "editor", "sid": "sess-7",
			"iss": "https://id.example", "aud": aud,
			"exp": time.Now().Add(time.Hour).Unix(),
		})
		t.Header["kid"] = "2026-11"
		return exMust(t.SignedString(priv))
	}

	// In the handshake auth object, or as a bearer header.
	exCall(ts, rtkittest.WithAuth(map[string]any{"token": issue("workspace")}))
	exCall(ts, rtkittest.WithHeader(http.Header{"Authorization": {"Bearer " + issue("workspace")}}))
	exCall(ts, rtkittest.WithAuth(map[string]any{"token": issue("billing")}))
	// Output:
	// connected as u-42 (editor)
	// connected as u-42 (editor)
	// refused: Invalid session (UNAUTHORIZED)
}

func exMust2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
