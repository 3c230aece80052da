package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Memory returns stores that keep everything in this process.
func Memory() Stores {
	return Stores{
		Users:         &memUsers{byID: map[uuid.UUID]User{}, byEmail: map[string]uuid.UUID{}},
		Sessions:      &memSessions{m: map[string]Session{}},
		Documents:     &memDocuments{m: map[uuid.UUID]Document{}},
		Notifications: &memNotifications{m: map[uuid.UUID]*memNotification{}},
		Kind:          "memory",
	}
}

type memUsers struct {
	mu      sync.RWMutex
	byID    map[uuid.UUID]User
	byEmail map[string]uuid.UUID
}

func (s *memUsers) Create(_ context.Context, u User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.byEmail[u.Email]; taken {
		return ErrConflict
	}
	s.byID[u.ID] = u
	s.byEmail[u.Email] = u.ID
	return nil
}

func (s *memUsers) ByID(_ context.Context, id uuid.UUID) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.byID[id]
	if !ok {
		return User{}, ErrNotFound
	}
	return u, nil
}

func (s *memUsers) ByEmail(_ context.Context, email string) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byEmail[email]
	if !ok {
		return User{}, ErrNotFound
	}
	return s.byID[id], nil
}

type memSessions struct {
	mu sync.Mutex
	m  map[string]Session // token hash → session
}

func (s *memSessions) Create(_ context.Context, se Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, v := range s.m { // forget expired sessions as new ones come
		if !now.Before(v.ExpiresAt) {
			delete(s.m, k)
		}
	}
	s.m[se.TokenHash] = se
	return nil
}

func (s *memSessions) ByTokenHash(_ context.Context, hash string) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[hash]
	if !ok {
		return Session{}, ErrNotFound
	}
	if !time.Now().Before(se.ExpiresAt) {
		delete(s.m, hash)
		return Session{}, ErrNotFound
	}
	return se, nil
}

func (s *memSessions) Delete(_ context.Context, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, hash)
	return nil
}

type memDocuments struct {
	mu sync.RWMutex
	m  map[uuid.UUID]Document
}

func (s *memDocuments) Create(_ context.Context, d Document, q DocumentQuota) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, size := s.usage(d.OwnerID); (q.Documents > 0 && n+1 > q.Documents) || (q.Bytes > 0 && size+d.Size() > q.Bytes) {
		return ErrQuota
	}
	s.m[d.ID] = d
	return nil
}

// usage counts the owner's documents and their bytes; s.mu is held.
func (s *memDocuments) usage(owner uuid.UUID) (n int, size int64) {
	for _, d := range s.m {
		if d.OwnerID == owner {
			n++
			size += d.Size()
		}
	}
	return n, size
}

func (s *memDocuments) Get(_ context.Context, id uuid.UUID) (Document, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.m[id]
	if !ok {
		return Document{}, ErrNotFound
	}
	return d, nil
}

func (s *memDocuments) ListByOwner(_ context.Context, owner uuid.UUID, p Page) ([]Document, error) {
	s.mu.RLock()
	out := []Document{}
	for _, d := range s.m {
		if d.OwnerID == owner && p.After.precedes(d.CreatedAt, d.ID) {
			out = append(out, d)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Document) int { return newestFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out[:min(len(out), p.Limit)], nil
}

func (s *memDocuments) Update(_ context.Context, d Document, q DocumentQuota) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[d.ID]
	if !ok {
		return ErrNotFound
	}
	if _, size := s.usage(d.OwnerID); q.Bytes > 0 && d.Size() > old.Size() && size-old.Size()+d.Size() > q.Bytes {
		return ErrQuota
	}
	s.m[d.ID] = d
	return nil
}

func (s *memDocuments) Delete(_ context.Context, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return ErrNotFound
	}
	delete(s.m, id)
	return nil
}

// memNotification is a stored notification with its readers.
type memNotification struct {
	n      Notification
	readBy map[uuid.UUID]bool
}

type memNotifications struct {
	mu sync.RWMutex
	m  map[uuid.UUID]*memNotification
}

func (s *memNotifications) Create(_ context.Context, n Notification, max int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if max > 0 {
		stored := 0
		for _, mn := range s.m {
			if mn.n.Broadcast == n.Broadcast && mn.n.UserID == n.UserID {
				stored++
			}
		}
		if stored >= max {
			return ErrQuota
		}
	}
	n.Read = false
	s.m[n.ID] = &memNotification{n: n, readBy: map[uuid.UUID]bool{}}
	return nil
}

func (s *memNotifications) ListFor(_ context.Context, user uuid.UUID, p Page) ([]Notification, error) {
	s.mu.RLock()
	out := []Notification{}
	for _, mn := range s.m {
		if (mn.n.Broadcast || mn.n.UserID == user) && p.After.precedes(mn.n.CreatedAt, mn.n.ID) {
			n := mn.n
			n.Read = mn.readBy[user]
			out = append(out, n)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Notification) int { return newestFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out[:min(len(out), p.Limit)], nil
}

func (s *memNotifications) MarkRead(_ context.Context, id, user uuid.UUID) (Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mn, ok := s.m[id]
	if !ok || (!mn.n.Broadcast && mn.n.UserID != user) {
		return Notification{}, ErrNotFound
	}
	mn.readBy[user] = true
	n := mn.n
	n.Read = true
	return n, nil
}
