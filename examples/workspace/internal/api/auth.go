package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// UserJSON is a user as the API shows it.
type UserJSON struct {
	ID    uuid.UUID `json:"id"`
	Email string    `json:"email"`
	Name  string    `json:"name"`
	Role  string    `json:"role"`
}

func userJSON(u store.User) UserJSON {
	return UserJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// SessionJSON is a session as get-session shows it.
type SessionJSON struct {
	ID        uuid.UUID `json:"id"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type signedInJSON struct {
	User  UserJSON `json:"user"`
	Token string   `json:"token"`
}

type credentialsBody struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
	Name     *string `json:"name"`
}

// Password and name bounds, in characters.
const (
	minPassword = 8
	maxPassword = 128
	maxName     = 100
)

func (a *API) signUp(w http.ResponseWriter, r *http.Request) {
	if err := a.Throttle.address(r); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	var in credentialsBody
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	var details []Detail
	email := strings.ToLower(strings.TrimSpace(deref(in.Email)))
	switch {
	case in.Email == nil:
		details = append(details, Detail{"/email", "required"})
	case !config.ValidEmail(email):
		details = append(details, Detail{"/email", "must be an email address"})
	}
	switch {
	case in.Password == nil:
		details = append(details, Detail{"/password", "required"})
	case utf8.RuneCountInString(*in.Password) < minPassword:
		details = append(details, Detail{"/password", "must be at least 8 characters"})
	case utf8.RuneCountInString(*in.Password) > maxPassword:
		details = append(details, Detail{"/password", "must be at most 128 characters"})
	}
	name := strings.TrimSpace(deref(in.Name))
	switch {
	case in.Name == nil:
		details = append(details, Detail{"/name", "required"})
	case name == "" || utf8.RuneCountInString(name) > maxName:
		details = append(details, Detail{"/name", "must be 1 to 100 characters"})
	}
	if len(details) > 0 {
		writeError(w, r, a.Log, invalid(details...))
		return
	}
	si, err := a.Identity.SignUp(r.Context(), email, *in.Password, name)
	if errors.Is(err, identity.ErrEmailTaken) {
		writeError(w, r, a.Log, errorf(http.StatusConflict, "CONFLICT", "email already registered"))
		return
	}
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	a.signedIn(w, r, http.StatusCreated, si)
}

func (a *API) signIn(w http.ResponseWriter, r *http.Request) {
	if err := a.Throttle.address(r); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	var in credentialsBody
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	var details []Detail
	if in.Email == nil || strings.TrimSpace(*in.Email) == "" {
		details = append(details, Detail{"/email", "required"})
	}
	if in.Password == nil || *in.Password == "" {
		details = append(details, Detail{"/password", "required"})
	}
	if len(details) > 0 {
		writeError(w, r, a.Log, invalid(details...))
		return
	}
	email := strings.ToLower(strings.TrimSpace(*in.Email))
	if err := a.Throttle.account(r, email); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	si, err := a.Identity.SignIn(r.Context(), email, *in.Password)
	if errors.Is(err, identity.ErrBadCredentials) {
		writeError(w, r, a.Log, errorf(http.StatusUnauthorized, "UNAUTHORIZED", "Invalid email or password"))
		return
	}
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	a.signedIn(w, r, http.StatusOK, si)
}

// signedIn answers a sign-up or sign-in: the session cookie, and the user
// with the token.
func (a *API) signedIn(w http.ResponseWriter, r *http.Request, status int, si identity.SignedIn) {
	c := sessionCookie(r, si.Token, int(time.Until(si.Session.ExpiresAt).Seconds()))
	c.Expires = si.Session.ExpiresAt
	http.SetCookie(w, c)
	writeJSON(w, status, signedInJSON{User: userJSON(si.User), Token: si.Token})
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request, c caller) {
	writeJSON(w, http.StatusOK, map[string]any{
		"session": SessionJSON{ID: c.session.ID, ExpiresAt: c.session.ExpiresAt},
		"user":    userJSON(c.user),
	})
}

func (a *API) signOut(w http.ResponseWriter, r *http.Request, c caller) {
	if err := a.Stores.Sessions.Delete(r.Context(), c.session.TokenHash); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	if a.Realtime != nil {
		n := a.Realtime.SessionEnded(c.session.ID)
		a.Log.Info("session signed out", "user", c.user.ID, "session", c.session.ID, "sockets", n)
	}
	http.SetCookie(w, sessionCookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
}

// caller is the authenticated user of a request.
type caller struct {
	user    store.User
	session store.Session
}

// authed wraps a handler that needs a signed-in user: a bearer token, or
// else the session cookie. Without either: 401 "Authentication required";
// with an unknown or expired one: 401 "Invalid session".
func (a *API) authed(h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := credential(r)
		if token == "" {
			writeError(w, r, a.Log, errUnauthorized())
			return
		}
		se, u, err := a.Identity.Lookup(r.Context(), token)
		if errors.Is(err, identity.ErrNoSession) {
			writeError(w, r, a.Log, errInvalidSession())
			return
		}
		if err != nil {
			writeError(w, r, a.Log, err)
			return
		}
		h(w, r, caller{user: u, session: se})
	}
}

// credential returns the request's session token: the bearer token, or
// else the session cookie's.
func credential(r *http.Request) string {
	if token := bearer(r); token != "" {
		return token
	}
	if c, err := r.Cookie(identity.CookieName); err == nil {
		return c.Value
	}
	return ""
}

func bearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// sessionCookie is the session cookie holding token for maxAge seconds
// (negative: delete it).
func sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: identity.CookieName, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r),
	}
}

// secure reports whether the request came over TLS (directly or through a
// proxy that says so): the cookie is then marked Secure.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
