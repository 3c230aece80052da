package auth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rtkit-go/rtkit"
)

// FuzzCredentials feeds the handshake parser arbitrary auth tokens and
// Authorization headers: it never panics, never gathers an oversized token
// and only takes a bearer token from a "Bearer" header. (Cookies are parsed
// by rtkit and net/http; the integration tests cover them.)
func FuzzCredentials(f *testing.F) {
	f.Add("tok", "Bearer abc")
	f.Add("", "bearer ")
	f.Add(" ", "Basic dTpw")
	f.Fuzz(func(t *testing.T, tok, authz string) {
		h := &rtkit.Handshake{
			Auth:   map[string]any{"token": tok},
			Header: http.Header{"Authorization": {authz}},
		}
		c := credentialsOf(h, []string{"sid"})
		if len(c.AuthToken) > maxTokenLen || len(c.Bearer) > maxTokenLen {
			t.Fatalf("oversized token gathered")
		}
		if c.Bearer != "" && !strings.EqualFold(authz[:7], "bearer ") {
			t.Fatalf("bearer token taken from %q", authz)
		}
		if len(c.Cookies) != 0 {
			t.Fatal("cookies gathered from nowhere")
		}
	})
}
