package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/pgtest"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// Both engines pass the same checks.
func TestSQLite(t *testing.T) {
	st, err := store.SQLite(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Stores().Close() })
	conformance(t, st.Stores())
}

func TestPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	st, err := store.Postgres(context.Background(), pg.NewDatabase(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Stores().Close() })
	conformance(t, st.Stores())
}

// Reopening applies no migration twice and keeps the data; so does a
// second process opening the same database.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.SQLite(ctx, dir)
	require.NoError(t, err)
	u := store.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", Role: "user", PasswordHash: []byte("h"), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	require.NoError(t, st.Stores().Users.Create(ctx, u))
	require.NoError(t, st.Stores().Close())
	st, err = store.SQLite(ctx, dir)
	require.NoError(t, err)
	defer st.Stores().Close()
	got, err := st.Stores().Users.ByEmail(ctx, "ann@example.com")
	require.NoError(t, err)
	assert.Equal(t, u, got)
}

func conformance(t *testing.T, st store.Stores) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	whole := store.Page{Limit: 1000}

	t.Run("users", func(t *testing.T) {
		u := store.User{ID: uuid.New(), Email: "ann@example.com", Name: "Ann", Role: "user", PasswordHash: []byte("h"), CreatedAt: now}
		require.NoError(t, st.Users.Create(ctx, u))
		assert.ErrorIs(t, st.Users.Create(ctx, store.User{ID: uuid.New(), Email: "ann@example.com"}), store.ErrConflict)
		got, err := st.Users.ByEmail(ctx, "ann@example.com")
		require.NoError(t, err)
		assert.Equal(t, u, got)
		got, err = st.Users.ByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, u, got)
		_, err = st.Users.ByID(ctx, uuid.New())
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = st.Users.ByEmail(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("sessions", func(t *testing.T) {
		live := store.Session{ID: uuid.New(), TokenHash: "live", UserID: uuid.New(), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		short := store.Session{ID: uuid.New(), TokenHash: "short", UserID: uuid.New(), CreatedAt: now, ExpiresAt: time.Now().Add(50 * time.Millisecond)}
		require.NoError(t, st.Sessions.Create(ctx, live))
		require.NoError(t, st.Sessions.Create(ctx, short))
		got, err := st.Sessions.ByTokenHash(ctx, "live")
		require.NoError(t, err)
		assert.Equal(t, live.ID, got.ID)
		assert.True(t, live.ExpiresAt.Equal(got.ExpiresAt))
		time.Sleep(100 * time.Millisecond)
		_, err = st.Sessions.ByTokenHash(ctx, "short")
		assert.ErrorIs(t, err, store.ErrNotFound, "expired")
		require.NoError(t, st.Sessions.Delete(ctx, "live"))
		_, err = st.Sessions.ByTokenHash(ctx, "live")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.NoError(t, st.Sessions.Delete(ctx, "live"), "deleting twice is fine")
	})

	t.Run("documents", func(t *testing.T) {
		owner := uuid.New()
		older := store.Document{ID: uuid.New(), OwnerID: owner, Title: "a", CreatedAt: now, UpdatedAt: now}
		newer := store.Document{ID: uuid.New(), OwnerID: owner, Title: "b", Content: "c", CreatedAt: now.Add(time.Second), UpdatedAt: now.Add(time.Second)}
		other := store.Document{ID: uuid.New(), OwnerID: uuid.New(), Title: "x", CreatedAt: now, UpdatedAt: now}
		for _, d := range []store.Document{older, newer, other} {
			require.NoError(t, st.Documents.Create(ctx, d, store.DocumentQuota{}))
		}
		list, err := st.Documents.ListByOwner(ctx, owner, whole)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, newer.ID, list[0].ID)
		assert.Equal(t, older.ID, list[1].ID)

		older.Title, older.UpdatedAt = "a2", now.Add(2*time.Second)
		require.NoError(t, st.Documents.Update(ctx, older, store.DocumentQuota{}))
		got, err := st.Documents.Get(ctx, older.ID)
		require.NoError(t, err)
		assert.Equal(t, "a2", got.Title)
		assert.True(t, got.UpdatedAt.Equal(older.UpdatedAt))

		require.NoError(t, st.Documents.Delete(ctx, older.ID))
		assert.ErrorIs(t, st.Documents.Delete(ctx, older.ID), store.ErrNotFound)
		assert.ErrorIs(t, st.Documents.Update(ctx, older, store.DocumentQuota{}), store.ErrNotFound)
		_, err = st.Documents.Get(ctx, older.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		list, err = st.Documents.ListByOwner(ctx, owner, whole)
		require.NoError(t, err)
		assert.Len(t, list, 1)
		list, err = st.Documents.ListByOwner(ctx, uuid.New(), whole)
		require.NoError(t, err)
		assert.NotNil(t, list)
		assert.Empty(t, list)
	})

	t.Run("notifications", func(t *testing.T) {
		ann, bob := uuid.New(), uuid.New()
		own := store.Notification{ID: uuid.New(), UserID: ann, Type: "info", Title: "t", Message: "m", CreatedAt: now}
		all := store.Notification{ID: uuid.New(), Broadcast: true, Type: "warning", Title: "b", Message: "m", CreatedAt: now.Add(time.Second)}
		bobs := store.Notification{ID: uuid.New(), UserID: bob, Type: "error", Title: "x", Message: "m", CreatedAt: now}
		for _, n := range []store.Notification{own, all, bobs} {
			require.NoError(t, st.Notifications.Create(ctx, n, 0))
		}
		list, err := st.Notifications.ListFor(ctx, ann, whole)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, all.ID, list[0].ID, "newest first")
		assert.Equal(t, own.ID, list[1].ID)
		assert.False(t, list[0].Read || list[1].Read)

		_, err = st.Notifications.MarkRead(ctx, bobs.ID, ann)
		assert.ErrorIs(t, err, store.ErrNotFound, "not ann's")
		_, err = st.Notifications.MarkRead(ctx, uuid.New(), ann)
		assert.ErrorIs(t, err, store.ErrNotFound)
		n, err := st.Notifications.MarkRead(ctx, own.ID, ann)
		require.NoError(t, err)
		assert.True(t, n.Read)
		_, err = st.Notifications.MarkRead(ctx, all.ID, bob)
		require.NoError(t, err)

		list, err = st.Notifications.ListFor(ctx, ann, whole)
		require.NoError(t, err)
		assert.False(t, list[0].Read, "bob read the broadcast, ann did not")
		assert.True(t, list[1].Read)
		list, err = st.Notifications.ListFor(ctx, bob, whole)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.True(t, list[0].Read)
	})

	t.Run("pages", func(t *testing.T) {
		// 7 documents, three of them created at the same instant: pages
		// of 3 give every document once, newest first, id breaking ties.
		owner := uuid.New()
		var want []uuid.UUID
		for i := range 7 {
			at := now.Add(time.Duration(min(i, 4)) * time.Second)
			d := store.Document{ID: uuid.New(), OwnerID: owner, Title: "p", CreatedAt: at, UpdatedAt: at}
			require.NoError(t, st.Documents.Create(ctx, d, store.DocumentQuota{}))
			want = append(want, d.ID)
		}
		full, err := st.Documents.ListByOwner(ctx, owner, whole)
		require.NoError(t, err)
		var got []uuid.UUID
		after := store.Cursor{}
		for range 4 {
			page, err := st.Documents.ListByOwner(ctx, owner, store.Page{After: after, Limit: 3})
			require.NoError(t, err)
			for _, d := range page {
				got = append(got, d.ID)
			}
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			after = store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		require.Len(t, got, 7)
		assert.ElementsMatch(t, want, got)
		for i, d := range full {
			assert.Equal(t, d.ID, got[i], "pages follow the full list's order")
		}

		user := uuid.New()
		for i := range 5 {
			at := now.Add(time.Duration(i) * time.Millisecond)
			require.NoError(t, st.Notifications.Create(ctx, store.Notification{ID: uuid.New(), UserID: user, Type: "info", Title: "t", Message: "m", CreatedAt: at}, 0))
		}
		first, err := st.Notifications.ListFor(ctx, user, store.Page{Limit: 2})
		require.NoError(t, err)
		require.Len(t, first, 2)
		rest, err := st.Notifications.ListFor(ctx, user, store.Page{After: store.Cursor{CreatedAt: first[1].CreatedAt, ID: first[1].ID}, Limit: 100})
		require.NoError(t, err)
		everything, err := st.Notifications.ListFor(ctx, user, whole)
		require.NoError(t, err)
		assert.Equal(t, len(everything), len(first)+len(rest))
		assert.Equal(t, everything[2].ID, rest[0].ID)
	})

	t.Run("quotas", func(t *testing.T) {
		owner := uuid.New()
		q := store.DocumentQuota{Documents: 2, Bytes: 10}
		doc := func(title string) store.Document {
			return store.Document{ID: uuid.New(), OwnerID: owner, Title: title, CreatedAt: now, UpdatedAt: now}
		}
		a := doc("12345")
		require.NoError(t, st.Documents.Create(ctx, a, q))
		assert.ErrorIs(t, st.Documents.Create(ctx, doc("123456"), q), store.ErrQuota, "over the bytes")
		require.NoError(t, st.Documents.Create(ctx, doc("12345"), q))
		assert.ErrorIs(t, st.Documents.Create(ctx, doc("1"), store.DocumentQuota{Documents: 2}), store.ErrQuota, "over the count")
		a.Content = "x"
		assert.ErrorIs(t, st.Documents.Update(ctx, a, q), store.ErrQuota, "an update that grows past the bytes")
		a.Title, a.Content = "1", "" // shrinks
		require.NoError(t, st.Documents.Update(ctx, a, q))
		require.NoError(t, st.Documents.Create(ctx, doc("1234"), store.DocumentQuota{Bytes: 10}), "the bytes freed count")
		require.NoError(t, st.Documents.Delete(ctx, a.ID))
		require.NoError(t, st.Documents.Create(ctx, doc("1"), store.DocumentQuota{Bytes: 10}), "a deleted document frees its bytes")

		user := uuid.New()
		note := func(broadcast bool) store.Notification {
			n := store.Notification{ID: uuid.New(), UserID: user, Broadcast: broadcast, Type: "info", Title: "t", Message: "m", CreatedAt: now}
			if broadcast {
				n.UserID = uuid.Nil
			}
			return n
		}
		require.NoError(t, st.Notifications.Create(ctx, note(false), 2))
		require.NoError(t, st.Notifications.Create(ctx, note(false), 2))
		assert.ErrorIs(t, st.Notifications.Create(ctx, note(false), 2), store.ErrQuota)
		require.NoError(t, st.Notifications.Create(ctx, note(false), 0), "0 is no bound")
	})

	t.Run("cleanup", func(t *testing.T) {
		user := uuid.New()
		gone := store.Session{ID: uuid.New(), TokenHash: "gone", UserID: user, CreatedAt: now, ExpiresAt: time.Now().Add(-time.Second)}
		kept := store.Session{ID: uuid.New(), TokenHash: "kept", UserID: user, CreatedAt: now, ExpiresAt: time.Now().Add(time.Hour)}
		require.NoError(t, st.Sessions.Create(ctx, gone))
		require.NoError(t, st.Sessions.Create(ctx, kept))
		old := now.Add(-48 * time.Hour)
		readOld := store.Notification{ID: uuid.New(), UserID: user, Type: "info", Title: "t", Message: "old, read", CreatedAt: old}
		unreadOld := store.Notification{ID: uuid.New(), UserID: user, Type: "info", Title: "t", Message: "old, unread", CreatedAt: old}
		readNew := store.Notification{ID: uuid.New(), UserID: user, Type: "info", Title: "t", Message: "new, read", CreatedAt: now}
		for _, n := range []store.Notification{readOld, unreadOld, readNew} {
			require.NoError(t, st.Notifications.Create(ctx, n, 0))
		}
		for _, n := range []store.Notification{readOld, readNew} {
			_, err := st.Notifications.MarkRead(ctx, n.ID, user)
			require.NoError(t, err)
		}
		sessions, notes, err := st.Cleanup(ctx, time.Now(), 24*time.Hour)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, sessions, int64(1))
		assert.Equal(t, int64(1), notes, "only the old notification its user read")
		_, err = st.Sessions.ByTokenHash(ctx, "kept")
		assert.NoError(t, err)
		list, err := st.Notifications.ListFor(ctx, user, whole)
		require.NoError(t, err)
		var messages []string
		for _, n := range list {
			if !n.Broadcast {
				messages = append(messages, n.Message)
			}
		}
		assert.ElementsMatch(t, []string{"old, unread", "new, read"}, messages)
	})
}
