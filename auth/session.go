package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"
)

// SessionConfig configures NewSession. The zero value of each field is its
// default.
type SessionConfig struct {
	// URL is the session endpoint, such as
	// "https://auth.example/api/auth/get-session" (required).
	URL string
	// Cookies names the session cookies forwarded to the endpoint (default
	// better-auth's "better-auth.session_token" and its "__Secure-" form).
	Cookies []string
	// Timeout bounds one request (default 3 s).
	Timeout time.Duration
	// CacheTTL is how long an accepted session is remembered without
	// asking again (default 10 s; negative turns the cache off). A session
	// revoked at the service stays accepted for new handshakes until its
	// entry ends, or until a re-validation (WithRevalidation, auth:refresh)
	// learns of the revocation; re-validations never read the cache.
	CacheTTL time.Duration
	// CacheSize bounds the cache (default 10,000 entries).
	CacheSize int
	// Client sends the requests (default a client without cookies jar or
	// redirects). Its own Timeout still applies.
	Client *http.Client
}

// Session authenticates against an HTTP session service that answers like
// better-auth's GET /api/auth/get-session: the client's token (handshake
// auth.token or bearer header) is forwarded as "Authorization: Bearer"
// (better-auth's bearer plugin reads it), or else its session cookies; the
// service answers 200 with
//
//	{"session": {"id", "userId", "expiresAt", …}, "user": {"id", "email", "name", "role"?, …}}
//
// for a valid session, and 200 with null, or 401, for anything else. The
// principal's Claims hold the "user" and "session" objects (without the
// session's token).
//
// Session fails closed: an answer that is neither of those (a 5xx, another
// status, a malformed body), a timeout or an unreachable service is an
// error wrapping ErrUnavailable, so the client is refused with
// UNAVAILABLE; never let in, and never left waiting past the Timeout.
// Concurrent handshakes with the same credentials share one request. A
// Session is safe for concurrent use.
type Session struct {
	cfg    SessionConfig
	client *http.Client
	cache  *ttlCache
	flight singleflight.Group // concurrent requests with the same credentials
}

var (
	_ Authenticator = (*Session)(nil)
	_ Revalidator   = (*Session)(nil)
)

// NewSession returns a Session authenticator, or an error when the URL is
// missing or not absolute.
func NewSession(cfg SessionConfig) (*Session, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("auth: Session: URL %q is not an absolute http(s) URL", cfg.URL)
	}
	if len(cfg.Cookies) == 0 {
		cfg.Cookies = []string{"better-auth.session_token", "__Secure-better-auth.session_token"}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 10 * time.Second
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10_000
	}
	s := &Session{cfg: cfg, client: cfg.Client}
	if s.client == nil {
		s.client = &http.Client{
			Timeout:       cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.CacheTTL > 0 {
		s.cache = newTTLCache(cfg.CacheTTL, cfg.CacheSize)
	}
	return s, nil
}

// CookieNames names the session cookies to gather.
func (s *Session) CookieNames() []string { return s.cfg.Cookies }

// Authenticate asks the session service who the credentials belong to,
// or answers from the cache.
func (s *Session) Authenticate(ctx context.Context, c Credentials) (Principal, error) {
	return s.authenticate(ctx, c, false)
}

// Revalidate asks the session service without reading the cache, and
// updates it: an accepted session is remembered anew, a refused one is
// forgotten, so that new handshakes with it are refused at once. Live
// sockets are checked with it (WithRevalidation), and so is the token of
// auth:refresh.
func (s *Session) Revalidate(ctx context.Context, c Credentials) (Principal, error) {
	return s.authenticate(ctx, c, true)
}

func (s *Session) authenticate(ctx context.Context, c Credentials, fresh bool) (Principal, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	} else {
		for _, k := range c.Cookies {
			req.AddCookie(k)
		}
	}
	if req.Header.Get("Authorization") == "" && req.Header.Get("Cookie") == "" {
		return Principal{}, fmt.Errorf("%w: no session token or cookie", ErrInvalidCredentials)
	}
	key := cacheKey(req.Header)
	now := time.Now()
	if s.cache != nil && !fresh {
		if p, ok := s.cache.get(key, now); ok {
			return p, nil
		}
	}
	p, err := s.askOnce(ctx, key, req)
	if s.cache != nil {
		switch {
		case err == nil:
			s.cache.put(key, p, now)
		case !errors.Is(err, ErrUnavailable):
			s.cache.forget(key)
		}
	}
	return p, err
}

// cacheKey digests what identifies the session, so that the cache holds
// no token.
func cacheKey(h http.Header) string {
	sum := sha256.Sum256([]byte(h.Get("Authorization") + "\x00" + h.Get("Cookie")))
	return string(sum[:])
}

// askOnce asks the service, sharing the answer among concurrent callers
// with the same credentials (a reconnecting browser's tabs, every socket
// of a session after a server restart): one request for all of them. A
// caller whose ctx ends stops waiting; the request goes on for the others,
// within the Timeout.
func (s *Session) askOnce(ctx context.Context, key string, req *http.Request) (Principal, error) {
	ch := s.flight.DoChan(key, func() (any, error) {
		return s.ask(context.WithoutCancel(ctx), req)
	})
	select {
	case r := <-ch:
		p, _ := r.Val.(Principal)
		return p, r.Err
	case <-ctx.Done():
		return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// maxSessionBody bounds the answer read from the service.
const maxSessionBody = 1 << 20

// ask sends the request and reads the answer.
func (s *Session) ask(ctx context.Context, req *http.Request) (Principal, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSessionBody))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: reading the answer: %w", ErrUnavailable, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return Principal{}, fmt.Errorf("%w: session service answered %s", ErrInvalidCredentials, resp.Status)
	default:
		return Principal{}, fmt.Errorf("%w: session service answered %s", ErrUnavailable, resp.Status)
	}
	return parseSession(body)
}

// sessionAnswer is the part of get-session's answer rtkit reads; the rest
// goes to Claims.
type sessionAnswer struct {
	Session *struct {
		ID        string    `json:"id"`
		ExpiresAt time.Time `json:"expiresAt"`
	} `json:"session"`
	User *struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	} `json:"user"`
}

// parseSession maps a 200 answer to a principal.
func parseSession(body []byte) (Principal, error) {
	if strings.TrimSpace(string(body)) == "null" {
		return Principal{}, fmt.Errorf("%w: no such session", ErrInvalidCredentials)
	}
	var a sessionAnswer
	var raw struct {
		Session map[string]any `json:"session"`
		User    map[string]any `json:"user"`
	}
	if err := errors.Join(json.Unmarshal(body, &a), json.Unmarshal(body, &raw)); err != nil {
		return Principal{}, fmt.Errorf("%w: malformed answer: %w", ErrUnavailable, err)
	}
	if a.Session == nil || a.User == nil || a.User.ID == "" || a.Session.ID == "" {
		return Principal{}, fmt.Errorf("%w: answer without session or user id", ErrUnavailable)
	}
	delete(raw.Session, "token")
	return Principal{
		UserID: a.User.ID, Email: a.User.Email, Name: a.User.Name, Role: a.User.Role,
		SessionID: a.Session.ID, ExpiresAt: a.Session.ExpiresAt,
		Claims: map[string]any{"user": raw.User, "session": raw.Session},
	}, nil
}
