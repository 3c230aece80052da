package auth

import (
	"errors"
	"testing"
)

// FuzzParseSession feeds the session service's answer parser arbitrary
// bodies: it never panics, and anything it accepts names a user and a
// session.
func FuzzParseSession(f *testing.F) {
	f.Add([]byte(`null`))
	f.Add([]byte(`{"session":{"id":"s","expiresAt":"2030-01-01T00:00:00.000Z","token":"t"},"user":{"id":"u","email":"e"}}`))
	f.Add([]byte(`{"session":null,"user":{"id":"u"}}`))
	f.Add([]byte(`{"session":{"id":"s","expiresAt":12},"user":{"id":"u"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseSession(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if p.UserID == "" || p.SessionID == "" {
			t.Fatalf("accepted %q without user or session id", body)
		}
		if s, ok := p.Claims["session"].(map[string]any); ok {
			if _, leaked := s["token"]; leaked {
				t.Fatal("the session token reached the claims")
			}
		}
	})
}
