package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
)

type sqlUsers struct{ s *SQL }

func (u sqlUsers) Create(ctx context.Context, user User) error {
	_, err := u.s.exec(ctx, "INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		user.ID.String(), user.Email, user.Name, user.Role, string(user.PasswordHash), micros(user.CreatedAt))
	if u.s.d.unique(err) {
		return ErrConflict
	}
	return err
}

func (u sqlUsers) ByID(ctx context.Context, id uuid.UUID) (User, error) {
	return u.one(ctx, "id", id.String())
}

func (u sqlUsers) ByEmail(ctx context.Context, email string) (User, error) {
	return u.one(ctx, "email", email)
}

func (u sqlUsers) one(ctx context.Context, column, value string) (User, error) {
	var user User
	var id, hash string
	var created int64
	err := u.s.row(ctx, "SELECT id, email, name, role, password_hash, created_at FROM users WHERE "+column+" = ?", value).
		Scan(&id, &user.Email, &user.Name, &user.Role, &hash, &created)
	if err != nil {
		return User{}, notFound(err)
	}
	user.PasswordHash, user.CreatedAt = []byte(hash), fromMicros(created)
	return user, parseIDs([]*uuid.UUID{&user.ID}, id)
}

type sqlSessions struct{ s *SQL }

func (ss sqlSessions) Create(ctx context.Context, se Session) error {
	_, err := ss.s.exec(ctx, "INSERT INTO sessions (token_hash, id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		se.TokenHash, se.ID.String(), se.UserID.String(), micros(se.CreatedAt), micros(se.ExpiresAt))
	return err
}

func (ss sqlSessions) ByTokenHash(ctx context.Context, hash string) (Session, error) {
	se := Session{TokenHash: hash}
	var id, user string
	var created, expires int64
	err := ss.s.row(ctx, "SELECT id, user_id, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
		hash, micros(now())).Scan(&id, &user, &created, &expires)
	if err != nil {
		return Session{}, notFound(err)
	}
	se.CreatedAt, se.ExpiresAt = fromMicros(created), fromMicros(expires)
	return se, parseIDs([]*uuid.UUID{&se.ID, &se.UserID}, id, user)
}

func (ss sqlSessions) Delete(ctx context.Context, hash string) error {
	_, err := ss.s.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash)
	return err
}

type sqlDocuments struct{ s *SQL }

const documentColumns = "id, owner_id, title, content, created_at, updated_at"

// Create checks the owner's quota and inserts, in one transaction that
// holds the owner's lock: concurrent creations cannot both pass.
func (ds sqlDocuments) Create(ctx context.Context, d Document, q DocumentQuota) error {
	return ds.s.inTx(ctx, func(tx *sql.Tx) error {
		if err := ds.checkQuota(ctx, tx, d.OwnerID, 1, d.Size(), q); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, ds.s.d.rebind("INSERT INTO documents ("+documentColumns+", size) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			d.ID.String(), d.OwnerID.String(), d.Title, d.Content, micros(d.CreatedAt), micros(d.UpdatedAt), d.Size())
		return err
	})
}

// checkQuota takes the owner's lock and refuses when adding count
// documents of grow bytes would exceed q.
func (ds sqlDocuments) checkQuota(ctx context.Context, tx *sql.Tx, owner uuid.UUID, count int, grow int64, q DocumentQuota) error {
	if q.Documents <= 0 && q.Bytes <= 0 {
		return nil
	}
	if err := ds.s.d.lockOwner(ctx, tx, owner.String()); err != nil {
		return err
	}
	var n int
	var size int64
	err := tx.QueryRowContext(ctx, ds.s.d.rebind("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM documents WHERE owner_id = ?"),
		owner.String()).Scan(&n, &size)
	if err != nil {
		return err
	}
	if (q.Documents > 0 && n+count > q.Documents) || (q.Bytes > 0 && grow > 0 && size+grow > q.Bytes) {
		return ErrQuota
	}
	return nil
}

func (ds sqlDocuments) Get(ctx context.Context, id uuid.UUID) (Document, error) {
	rows, err := ds.s.query(ctx, "SELECT "+documentColumns+" FROM documents WHERE id = ?", id.String())
	if err != nil {
		return Document{}, err
	}
	docs, err := scanDocuments(rows)
	if err != nil {
		return Document{}, err
	}
	if len(docs) == 0 {
		return Document{}, ErrNotFound
	}
	return docs[0], nil
}

func (ds sqlDocuments) ListByOwner(ctx context.Context, owner uuid.UUID, p Page) ([]Document, error) {
	args := append([]any{owner.String()}, cursorArgs(p.After)...)
	rows, err := ds.s.query(ctx, "SELECT "+documentColumns+" FROM documents WHERE owner_id = ? AND "+fmt.Sprintf(afterCursor, "")+
		" ORDER BY created_at DESC, id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return scanDocuments(rows)
}

func scanDocuments(rows *sql.Rows) ([]Document, error) {
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		var d Document
		var id, owner string
		var created, updated int64
		if err := rows.Scan(&id, &owner, &d.Title, &d.Content, &created, &updated); err != nil {
			return nil, err
		}
		if err := parseIDs([]*uuid.UUID{&d.ID, &d.OwnerID}, id, owner); err != nil {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (ds sqlDocuments) Update(ctx context.Context, d Document, q DocumentQuota) error {
	return ds.s.inTx(ctx, func(tx *sql.Tx) error {
		var old int64
		err := tx.QueryRowContext(ctx, ds.s.d.rebind("SELECT size FROM documents WHERE id = ?"), d.ID.String()).Scan(&old)
		if err != nil {
			return notFound(err)
		}
		if err := ds.checkQuota(ctx, tx, d.OwnerID, 0, d.Size()-old, DocumentQuota{Bytes: q.Bytes}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, ds.s.d.rebind("UPDATE documents SET title = ?, content = ?, size = ?, updated_at = ? WHERE id = ?"),
			d.Title, d.Content, d.Size(), micros(d.UpdatedAt), d.ID.String())
		return affected(res, err)
	})
}

func (ds sqlDocuments) Delete(ctx context.Context, id uuid.UUID) error {
	return affected(ds.s.exec(ctx, "DELETE FROM documents WHERE id = ?", id.String()))
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrNotFound
	}
	return nil
}

type sqlNotifications struct{ s *SQL }

func (ns sqlNotifications) Create(ctx context.Context, n Notification, max int) error {
	return ns.s.inTx(ctx, func(tx *sql.Tx) error {
		if max > 0 {
			if err := ns.s.d.lockOwner(ctx, tx, "notifications:"+n.UserID.String()); err != nil {
				return err
			}
			var stored int
			err := tx.QueryRowContext(ctx, ns.s.d.rebind("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND broadcast = ?"),
				n.UserID.String(), flag(n.Broadcast)).Scan(&stored)
			if err != nil {
				return err
			}
			if stored >= max {
				return ErrQuota
			}
		}
		_, err := tx.ExecContext(ctx, ns.s.d.rebind("INSERT INTO notifications (id, user_id, broadcast, type, title, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			n.ID.String(), n.UserID.String(), flag(n.Broadcast), n.Type, n.Title, n.Message, micros(n.CreatedAt))
		return err
	})
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

const notificationColumns = `n.id, n.user_id, n.broadcast, n.type, n.title, n.message, n.created_at,
	CASE WHEN r.user_id IS NULL THEN 0 ELSE 1 END`

func (ns sqlNotifications) ListFor(ctx context.Context, user uuid.UUID, p Page) ([]Notification, error) {
	args := append([]any{user.String(), user.String()}, cursorArgs(p.After)...)
	rows, err := ns.s.query(ctx, "SELECT "+notificationColumns+` FROM notifications n
		LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
		WHERE (n.user_id = ? OR n.broadcast = 1) AND `+fmt.Sprintf(afterCursor, "n.")+
		" ORDER BY n.created_at DESC, n.id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var id, owner string
		var broadcast, read int
		var created int64
		if err := rows.Scan(&id, &owner, &broadcast, &n.Type, &n.Title, &n.Message, &created, &read); err != nil {
			return nil, err
		}
		if err := parseIDs([]*uuid.UUID{&n.ID, &n.UserID}, id, owner); err != nil {
			return nil, err
		}
		n.Broadcast, n.Read, n.CreatedAt = broadcast == 1, read == 1, fromMicros(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

func (ns sqlNotifications) MarkRead(ctx context.Context, id, user uuid.UUID) (Notification, error) {
	var n Notification
	var owner string
	var broadcast int
	var created int64
	err := ns.s.row(ctx, "SELECT user_id, broadcast, type, title, message, created_at FROM notifications WHERE id = ?", id.String()).
		Scan(&owner, &broadcast, &n.Type, &n.Title, &n.Message, &created)
	if err != nil {
		return Notification{}, notFound(err)
	}
	if err := parseIDs([]*uuid.UUID{&n.UserID}, owner); err != nil {
		return Notification{}, err
	}
	n.ID, n.Broadcast, n.CreatedAt = id, broadcast == 1, fromMicros(created)
	if !n.Broadcast && n.UserID != user {
		return Notification{}, ErrNotFound
	}
	_, err = ns.s.exec(ctx, "INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		id.String(), user.String(), micros(now()))
	if err != nil {
		return Notification{}, err
	}
	n.Read = true
	return n, nil
}
