package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzJWT feeds the JWT authenticator two kinds of hostile tokens: an
// arbitrary string (forged, truncated, "alg":"none", wrong key id), and
// arbitrary claims correctly signed with the server's key, which reach
// the claim checks. It never panics; every refusal wraps
// ErrInvalidCredentials; a token it accepts carries a valid HS256
// signature by the configured key and claims that pass every check
// (subject, issuer, audience, expiry, not-before).
func FuzzJWT(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	j, err := NewJWT(JWTConfig{
		Keys:   []JWTKey{{ID: "hs", Algorithm: "HS256", Key: key}},
		Issuer: "https://id.example", Audience: "workspace",
		Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatal(err)
	}
	valid := `{"sub":"u1","sid":"s1","iss":"https://id.example","aud":"workspace","exp":1795780800,"iat":1795773600}`
	header := `{"alg":"HS256","kid":"hs","typ":"JWT"}`
	for _, c := range []string{valid,
		`{"sub":"u1","iss":"https://id.example","aud":["x","workspace"],"exp":1795780800.5}`,
		`{"sub":"","iss":"https://id.example","aud":"workspace","exp":1795780800}`,
		`{"sub":1,"iss":"https://id.example","aud":"workspace","exp":1795780800}`,
		`{"sub":"u1","iss":"https://id.example","aud":"workspace"}`,
		`{"sub":"u1","iss":"https://id.example","aud":"workspace","exp":"1795780800"}`,
		`{"sub":"u1","iss":"https://id.example","aud":"workspace","exp":1795780800,"nbf":1895780800}`,
		`[]`, `null`} {
		f.Add(signHS256(key, header, c), []byte(c))
	}
	f.Add(b64(`{"alg":"none","kid":"hs"}`)+"."+b64(valid)+".", []byte(valid))
	f.Add(b64(`{"alg":"HS512","kid":"hs"}`)+"."+b64(valid)+".AAAA", []byte(valid))
	f.Add(b64(`{"alg":"HS256","kid":"other"}`)+"."+b64(valid)+".AAAA", []byte(valid))
	f.Add("a.b.c", []byte(`{}`))
	f.Add("", []byte(``))

	check := func(t *testing.T, token string) {
		p, err := j.Authenticate(context.Background(), Credentials{AuthToken: token})
		if err != nil {
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 || sig(key, parts[0]+"."+parts[1]) != parts[2] {
			t.Fatalf("accepted %q without a valid signature", token)
		}
		var h map[string]any
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if json.Unmarshal(hb, &h) != nil || h["alg"] != "HS256" || h["kid"] != "hs" {
			t.Fatalf("accepted header %s", hb)
		}
		if p.UserID == "" {
			t.Fatalf("accepted %q without a subject", token)
		}
		if c, _ := p.Claims["iss"].(string); c != "https://id.example" {
			t.Fatalf("accepted issuer %v", p.Claims["iss"])
		}
		if p.ExpiresAt.IsZero() || !p.ExpiresAt.After(now) {
			t.Fatalf("accepted a token expiring at %v", p.ExpiresAt)
		}
	}
	f.Fuzz(func(t *testing.T, token string, claims []byte) {
		check(t, token)
		check(t, signHS256(key, header, string(claims)))
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func sig(key []byte, signed string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signHS256 builds a compact JWT with the given header and claims JSON.
func signHS256(key []byte, header, claims string) string {
	signed := b64(header) + "." + b64(claims)
	return signed + "." + sig(key, signed)
}
