// Package identity signs users up and in, and resolves session tokens, for
// the REST API and for the Socket.IO handshake alike: both ask the same
// stores, so a session signed out over REST is refused by the next
// handshake too.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// CookieName is the session cookie's name.
const CookieName = "rtkit_session"

// The roles a user can have.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Errors of the service.
var (
	// ErrEmailTaken: sign-up with an email that has an account.
	ErrEmailTaken = errors.New("identity: email already registered")
	// ErrBadCredentials: sign-in with an unknown email or a wrong password.
	ErrBadCredentials = errors.New("identity: invalid email or password")
	// ErrNoSession: the token is unknown, expired or signed out.
	ErrNoSession = errors.New("identity: no such session")
)

// Service manages accounts and sessions. Its fields are set once, before
// use; its methods are safe for concurrent use.
type Service struct {
	Users    store.Users
	Sessions store.Sessions
	// TTL is how long a session lasts.
	TTL time.Duration
	// Cost is the bcrypt cost (bcrypt.DefaultCost when zero).
	Cost int

	dummyOnce sync.Once
	dummy     []byte
}

// SignedIn is the outcome of a sign-up or sign-in: the user, the new
// session and its token, which the client presents from then on.
type SignedIn struct {
	User    store.User
	Session store.Session
	Token   string
}

// SignUp creates an account with RoleUser (email lower-case, already
// validated) and signs it in. ErrEmailTaken when the email has an account.
// No sign-up is ever an admin: admins are the accounts SeedAdmin creates.
func (s *Service) SignUp(ctx context.Context, email, password, name string) (SignedIn, error) {
	u, err := s.newUser(email, password, name, RoleUser)
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.Users.Create(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return SignedIn{}, ErrEmailTaken
		}
		return SignedIn{}, err
	}
	return s.startSession(ctx, u)
}

// ErrAdminClaimed: SeedAdmin found the address taken by an account that is
// not an admin (signed up before the address was configured). It is left
// as it is: its owner is whoever chose its password.
var ErrAdminClaimed = errors.New("identity: the admin address belongs to an ordinary account")

// SeedAdmin makes sure the admin account of email (lower-case) exists:
// it creates it with RoleAdmin and password, before the application
// accepts requests, so that nobody can sign up with the address first.
// An admin account already there (a previous start) is kept as it is;
// an ordinary account with that address is ErrAdminClaimed.
func (s *Service) SeedAdmin(ctx context.Context, email, password string) error {
	u, err := s.newUser(email, password, "Admin", RoleAdmin)
	if err != nil {
		return err
	}
	err = s.Users.Create(ctx, u)
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	have, err := s.Users.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	if have.Role != RoleAdmin {
		return fmt.Errorf("%w: %s", ErrAdminClaimed, email)
	}
	return nil
}

func (s *Service) newUser(email, password, name, role string) (store.User, error) {
	hash, err := bcrypt.GenerateFromPassword(prehash(password), s.cost())
	if err != nil {
		return store.User{}, fmt.Errorf("identity: hash password: %w", err)
	}
	return store.User{
		ID: uuid.New(), Email: email, Name: name, Role: role,
		PasswordHash: hash, CreatedAt: time.Now().UTC(),
	}, nil
}

// SignIn checks the password and starts a session; ErrBadCredentials when
// the email is unknown or the password wrong (the caller cannot tell which).
func (s *Service) SignIn(ctx context.Context, email, password string) (SignedIn, error) {
	u, err := s.Users.ByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		// Compare anyway, so that a sign-in takes as long whether or not
		// the account exists.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), prehash(password))
		return SignedIn{}, ErrBadCredentials
	}
	if err != nil {
		return SignedIn{}, err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, prehash(password)) != nil {
		return SignedIn{}, ErrBadCredentials
	}
	return s.startSession(ctx, u)
}

func (s *Service) startSession(ctx context.Context, u store.User) (SignedIn, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return SignedIn{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := time.Now().UTC()
	se := store.Session{
		ID: uuid.New(), TokenHash: HashToken(token), UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.TTL),
	}
	if err := s.Sessions.Create(ctx, se); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{User: u, Session: se, Token: token}, nil
}

// Lookup returns the live session of token and its user; ErrNoSession when
// there is none (or its user is gone).
func (s *Service) Lookup(ctx context.Context, token string) (store.Session, store.User, error) {
	if token == "" || len(token) > 512 {
		return store.Session{}, store.User{}, ErrNoSession
	}
	se, err := s.Sessions.ByTokenHash(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, store.User{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, store.User{}, err
	}
	u, err := s.Users.ByID(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, store.User{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, store.User{}, err
	}
	return se, u, nil
}

// Authenticator authenticates Socket.IO handshakes against the same
// sessions: the token of the handshake auth object, an Authorization
// Bearer header, or the session cookie. It implements auth.CookieNamer, so
// auth.Required gathers the cookie.
func (s *Service) Authenticator() auth.Authenticator { return authenticator{s} }

type authenticator struct{ s *Service }

func (a authenticator) CookieNames() []string { return []string{CookieName} }

func (a authenticator) Authenticate(ctx context.Context, c auth.Credentials) (auth.Principal, error) {
	token := c.Token()
	if token == "" {
		token, _ = c.Cookie(CookieName)
	}
	se, u, err := a.s.Lookup(ctx, token)
	switch {
	case errors.Is(err, ErrNoSession):
		return auth.Principal{}, errors.Join(auth.ErrInvalidCredentials, err)
	case err != nil:
		return auth.Principal{}, errors.Join(auth.ErrUnavailable, err)
	}
	return auth.Principal{
		UserID: u.ID.String(), Email: u.Email, Name: u.Name, Role: u.Role,
		SessionID: se.ID.String(), ExpiresAt: se.ExpiresAt,
	}, nil
}

// prehash turns a password into what bcrypt hashes: the base64 of its
// SHA-256, 44 bytes, so that every character of a long password counts
// (bcrypt reads at most 72 bytes) and no password hits bcrypt's length
// error.
func prehash(password string) []byte {
	h := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(h[:]))
}

// HashToken returns the SHA-256 of a session token, in hex: what the
// stores keep instead of the token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// dummyHash is a hash of nobody's password, at the service's cost.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("not the password of anyone"), s.cost())
	})
	return s.dummy
}

func (s *Service) cost() int {
	if s.Cost == 0 {
		return bcrypt.DefaultCost
	}
	return s.Cost
}
