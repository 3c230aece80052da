package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// A better-auth deployment already knows the users: the server asks its
// get-session endpoint, forwarding the browser's session cookie (or the
// token a client sends). Here a stand-in answers like better-auth does,
// so that the example runs without Node.js; the tests of betterauth_test.go
// and docs/better-auth.md run the real better-auth.
func ExampleNewSession() {
	betterAuth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if c, err := r.Cookie("better-auth.session_token"); err != nil || c.Value != "abc.signature" {
			fmt.Fprint(w, "null")
			return
		}
		fmt.Fprintf(w, `{"session":{"id":"sess-1","userId":"u-1","expiresAt":%q},`+
			`"user":{"id":"u-1","email":"ada@example.com","name":"Ada","role":"admin"}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer betterAuth.Close()

	sessions := exMust(auth.NewSession(auth.SessionConfig{
		URL:     betterAuth.URL + "/api/auth/get-session",
		Timeout: 2 * time.Second,
	}))
	srv := rtkit.NewServer(auth.Required(sessions, auth.WithLogger(exQuiet)), rtkit.WithLogger(exQuiet))
	srv.Mount(exProfileNamespace())
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()

	exCall(ts, rtkittest.WithHeader(http.Header{"Cookie": {"better-auth.session_token=abc.signature"}}))
	exCall(ts, rtkittest.WithHeader(http.Header{"Cookie": {"better-auth.session_token=stolen"}}))

	// When the service is down, a session it did not confirm within the
	// last CacheTTL does not get in, and nobody waits past the Timeout.
	betterAuth.Close()
	exCall(ts, rtkittest.WithHeader(http.Header{"Cookie": {"better-auth.session_token=def.signature"}}))
	// Output:
	// connected as u-1 (admin)
	// refused: Invalid session (UNAUTHORIZED)
	// refused: Authentication unavailable (UNAVAILABLE)
}
