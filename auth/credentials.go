package auth

import (
	"net/http"
	"strings"

	"github.com/rtkit-go/rtkit"
)

// Credentials is what a client presented to authenticate. Required and
// Optional gather them from the handshake; the auth:refresh event carries
// a new token only (Refresh is then true). It is a value, read-only for
// the Authenticator it is given to.
type Credentials struct {
	// AuthToken is the "token" string of the client's handshake auth
	// object: io(url, {auth: {token}}).
	AuthToken string
	// Bearer is the token of an "Authorization: Bearer …" header.
	Bearer string
	// Cookies holds the cookies the options named (WithCookies, and those
	// the Authenticator asks for through CookieNames) that the client sent.
	// Other cookies are not gathered.
	Cookies []*http.Cookie
	// RemoteAddr is the client's "ip:port" as the server saw it.
	RemoteAddr string
	// Handshake is the whole handshake, for authenticators that need more
	// (a query parameter, another header). It is nil for a refresh.
	Handshake *rtkit.Handshake
	// Refresh is true when the credentials come from the auth:refresh
	// event of a connected socket rather than from a handshake.
	Refresh bool
}

// Token returns the token the client presented: AuthToken, or else Bearer.
func (c Credentials) Token() string {
	if c.AuthToken != "" {
		return c.AuthToken
	}
	return c.Bearer
}

// Cookie returns the value of the named cookie, if the client sent it and
// it was gathered.
func (c Credentials) Cookie(name string) (string, bool) {
	for _, k := range c.Cookies {
		if k.Name == name {
			return k.Value, true
		}
	}
	return "", false
}

// bearerToken returns the token the client presented, or else the value
// of the named cookie ("" names none): where JWT and JWKS look for a token.
func (c Credentials) bearerToken(cookie string) string {
	if t := c.Token(); t != "" || cookie == "" {
		return t
	}
	v, _ := c.Cookie(cookie)
	return v
}

// cookieList is CookieNames for an authenticator with at most one cookie.
func cookieList(name string) []string {
	if name == "" {
		return nil
	}
	return []string{name}
}

// empty reports whether the client presented nothing at all.
func (c Credentials) empty() bool {
	return c.Token() == "" && len(c.Cookies) == 0
}

// maxTokenLen bounds the tokens gathered; a longer one is ignored, so
// that an oversized header cannot reach an authenticator.
const maxTokenLen = 8192

// credentialsOf gathers the credentials of a handshake.
func credentialsOf(h *rtkit.Handshake, cookies []string) Credentials {
	c := Credentials{RemoteAddr: h.RemoteAddr, Handshake: h}
	if tok, ok := h.Auth["token"].(string); ok && len(tok) <= maxTokenLen {
		c.AuthToken = strings.TrimSpace(tok)
	}
	if v := h.Header.Get("Authorization"); len(v) > 7 && len(v) <= maxTokenLen+7 &&
		strings.EqualFold(v[:7], "bearer ") {
		c.Bearer = strings.TrimSpace(v[7:])
	}
	for _, name := range cookies {
		if v, ok := h.Cookie(name); ok && v != "" && len(v) <= maxTokenLen {
			c.Cookies = append(c.Cookies, &http.Cookie{Name: name, Value: v})
		}
	}
	return c
}
