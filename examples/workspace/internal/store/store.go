// Package store keeps the workspace application's data behind small
// interfaces: users, sessions, documents and notifications. Memory holds
// them in one process; Redis shares them between the processes of one
// deployment, so that a user signed in on one process is known to all.
//
// Every implementation is safe for concurrent use.
package store

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Errors the stores return (wrapped or as is).
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the record would break a uniqueness rule (an email
	// already taken).
	ErrConflict = errors.New("store: conflict")
)

// User is an account.
type User struct {
	ID           uuid.UUID
	Email        string // lower-case, unique
	Name         string
	Role         string // "user" or "admin"
	PasswordHash []byte // bcrypt
	CreatedAt    time.Time
}

// Session is a signed-in session. The token a client holds is never
// stored: only its SHA-256 (TokenHash).
type Session struct {
	ID        uuid.UUID
	TokenHash string
	UserID    uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Document is a user's document.
type Document struct {
	ID        uuid.UUID
	OwnerID   uuid.UUID
	Title     string
	Content   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Notification is a message for one user, or for everyone (Broadcast,
// then UserID is the zero UUID and each user reads it on their own).
type Notification struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Broadcast bool
	Type      string
	Title     string
	Message   string
	CreatedAt time.Time
	Read      bool // for the user it was fetched for
}

// Users stores accounts.
type Users interface {
	// Create adds u; ErrConflict when its email is taken.
	Create(ctx context.Context, u User) error
	// ByID returns the user, or ErrNotFound.
	ByID(ctx context.Context, id uuid.UUID) (User, error)
	// ByEmail returns the user with that (lower-case) email, or ErrNotFound.
	ByEmail(ctx context.Context, email string) (User, error)
}

// Sessions stores sessions, forgetting each at its expiry.
type Sessions interface {
	// Create adds s.
	Create(ctx context.Context, s Session) error
	// ByTokenHash returns the unexpired session, or ErrNotFound.
	ByTokenHash(ctx context.Context, hash string) (Session, error)
	// Delete removes the session with that token hash; deleting a missing
	// one is not an error.
	Delete(ctx context.Context, hash string) error
}

// Documents stores documents.
type Documents interface {
	// Create adds d.
	Create(ctx context.Context, d Document) error
	// Get returns the document, or ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (Document, error)
	// ListByOwner returns the owner's documents, newest first.
	ListByOwner(ctx context.Context, owner uuid.UUID) ([]Document, error)
	// Update replaces the document (matched by ID); ErrNotFound when it is
	// gone.
	Update(ctx context.Context, d Document) error
	// Delete removes the document; ErrNotFound when it is gone.
	Delete(ctx context.Context, id uuid.UUID) error
}

// Notifications stores notifications and who read them.
type Notifications interface {
	// Create adds n (Read is ignored: a new notification is unread).
	Create(ctx context.Context, n Notification) error
	// ListFor returns the user's notifications and every broadcast, newest
	// first, with Read as that user sees it.
	ListFor(ctx context.Context, user uuid.UUID) ([]Notification, error)
	// MarkRead marks the notification read for user and returns it; a
	// notification of another user is ErrNotFound, like a missing one.
	MarkRead(ctx context.Context, id, user uuid.UUID) (Notification, error)
}

// Stores groups the four stores and what they hold open.
type Stores struct {
	Users         Users
	Sessions      Sessions
	Documents     Documents
	Notifications Notifications
	// Kind is "memory" or "redis".
	Kind string
	// Ping checks the backing service (nil for memory).
	Ping func(ctx context.Context) error
	// Close releases connections (nil for memory).
	Close func() error
}

// newestFirst orders by creation time, newest first, then by id for a
// stable order.
func newestFirst(a, b time.Time, ida, idb uuid.UUID) int {
	if c := b.Compare(a); c != 0 {
		return c
	}
	return bytes.Compare(idb[:], ida[:])
}
