// Package store keeps the workspace application's data behind small
// interfaces: users, sessions, documents and notifications. Memory holds
// them in one process; Redis shares them between the processes of one
// deployment, so that a user signed in on one process is known to all.
//
// Every implementation is safe for concurrent use.
package store

import (
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
	// ErrQuota: the record would take its user over a quota.
	ErrQuota = errors.New("store: quota exceeded")
)

// Cursor is a position in a list ordered newest first: the creation time
// and id of the last item seen. The zero Cursor is the start of the list.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// IsZero reports whether c is the start of the list.
func (c Cursor) IsZero() bool { return c.ID == uuid.Nil && c.CreatedAt.IsZero() }

// Page selects a page of a list ordered newest first: at most Limit items
// after the cursor After.
type Page struct {
	After Cursor
	Limit int
}

// DocumentQuota bounds what one owner may store. Zero fields are no bound.
type DocumentQuota struct {
	// Documents is the most documents an owner may have.
	Documents int
	// Bytes is the most bytes of titles and contents (UTF-8) together.
	Bytes int64
}

// Size is what a document counts against DocumentQuota.Bytes.
func (d Document) Size() int64 { return int64(len(d.Title) + len(d.Content)) }

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
	// Create adds d; ErrQuota when its owner would exceed q.
	Create(ctx context.Context, d Document, q DocumentQuota) error
	// Get returns the document, or ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (Document, error)
	// ListByOwner returns a page of the owner's documents, newest first
	// (by CreatedAt, then by ID).
	ListByOwner(ctx context.Context, owner uuid.UUID, p Page) ([]Document, error)
	// Update replaces the document (matched by ID); ErrNotFound when it is
	// gone, ErrQuota when its owner would exceed q.Bytes.
	Update(ctx context.Context, d Document, q DocumentQuota) error
	// Delete removes the document; ErrNotFound when it is gone.
	Delete(ctx context.Context, id uuid.UUID) error
}

// Notifications stores notifications and who read them.
type Notifications interface {
	// Create adds n (Read is ignored: a new notification is unread);
	// ErrQuota when its user already has max notifications stored (for a
	// broadcast: when max broadcasts are stored). max 0 is no bound.
	Create(ctx context.Context, n Notification, max int) error
	// ListFor returns a page of the user's notifications and every
	// broadcast, newest first, with Read as that user sees it.
	ListFor(ctx context.Context, user uuid.UUID, p Page) ([]Notification, error)
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
	// Cleanup deletes expired sessions and read notifications created
	// before now minus retention (nil for memory and Redis).
	Cleanup func(ctx context.Context, now time.Time, retention time.Duration) (sessions, notifications int64, err error)
}

// now is the store's clock.
func now() time.Time { return time.Now() }
