package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite", pure Go
)

// dialect is what differs between the two engines.
type dialect struct {
	kind string
	// rebind turns the ? placeholders of a query into the engine's.
	rebind func(string) string
	// lockOwner serialises writes that check an owner's quota, inside tx.
	lockOwner func(ctx context.Context, tx *sql.Tx, owner string) error
	// unique reports whether err is a uniqueness violation.
	unique func(err error) bool
}

var sqliteDialect = dialect{
	kind:   "sqlite",
	rebind: func(q string) string { return q },
	// SQLite runs one write transaction at a time (BEGIN IMMEDIATE).
	lockOwner: func(context.Context, *sql.Tx, string) error { return nil },
	unique:    func(err error) bool { return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") },
}

var postgresDialect = dialect{
	kind: "postgres",
	rebind: func(q string) string {
		var b strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	},
	lockOwner: func(ctx context.Context, tx *sql.Tx, owner string) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", owner)
		return err
	},
	unique: func(err error) bool { return err != nil && strings.Contains(err.Error(), "SQLSTATE 23505") },
}

// SQLite opens (creating it if needed) the database file workspace.db in
// dir, which is created too, and applies the migrations.
func SQLite(ctx context.Context, dir string) (*SQL, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	dsn := "file:" + filepath.Join(dir, "workspace.db") +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite writes one transaction at a time anyway, and
	// a single connection never waits on its own lock.
	db.SetMaxOpenConns(1)
	return open(ctx, db, sqliteDialect)
}

// Postgres connects to the PostgreSQL database at url
// (postgres://user:password@host:port/db) and applies the migrations.
func Postgres(ctx context.Context, url string) (*SQL, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return open(ctx, db, postgresDialect)
}

func open(ctx context.Context, db *sql.DB, d dialect) (*SQL, error) {
	s := &SQL{db: db, d: d}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// SQL keeps the stores in a SQL database: SQLite or PostgreSQL, with the
// same queries. Every quota check runs in the transaction that writes.
type SQL struct {
	db *sql.DB
	d  dialect
}

// Stores returns the four stores over s.
func (s *SQL) Stores() Stores {
	return Stores{
		Users: sqlUsers{s}, Sessions: sqlSessions{s}, Documents: sqlDocuments{s}, Notifications: sqlNotifications{s},
		Kind: s.d.kind, Ping: s.db.PingContext, Close: s.db.Close, Cleanup: s.Cleanup,
	}
}

func (s *SQL) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.d.rebind(q), args...)
}

func (s *SQL) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.d.rebind(q), args...)
}

func (s *SQL) row(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.d.rebind(q), args...)
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *SQL) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

//go:embed migrations
var migrations embed.FS

// migrate applies the migrations of the engine not yet applied, in order,
// each in a transaction with its row in schema_migrations: both engines
// change their schema transactionally, so a migration is applied whole or
// not at all. Two processes starting at once: the loser's insert of the
// version fails, and it starts again to find the schema there.
func (s *SQL) migrate(ctx context.Context) error {
	if _, err := s.exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	dir := "migrations/" + s.d.kind
	entries, err := migrations.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries { // sorted by name: 0001_…, 0002_…
		version, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: no version number", e.Name())
		}
		var applied int
		if err := s.row(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			continue
		}
		body, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return err
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), version, micros(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", e.Name(), err)
		}
	}
	return nil
}

// Cleanup deletes expired sessions, and notifications read by their user
// that were created before now minus retention (broadcasts stay: each
// user reads them on their own).
func (s *SQL) Cleanup(ctx context.Context, now time.Time, retention time.Duration) (sessions, notifications int64, err error) {
	res, err := s.exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", micros(now))
	if err != nil {
		return 0, 0, err
	}
	sessions, _ = res.RowsAffected()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM notifications WHERE broadcast = 0 AND created_at < ?
			AND EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = notifications.id AND r.user_id = notifications.user_id)`),
			micros(now.Add(-retention)))
		if err != nil {
			return err
		}
		notifications, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM notification_reads WHERE NOT EXISTS
			(SELECT 1 FROM notifications n WHERE n.id = notification_reads.notification_id)`)
		return err
	})
	return sessions, notifications, err
}

// micros is how times are stored: microseconds since 1970.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// cursorArgs are the arguments of the page condition
// "(? = 1 OR created_at < ? OR (created_at = ? AND id < ?))".
func cursorArgs(c Cursor) []any {
	start := 0
	if c.IsZero() {
		start = 1
	}
	return []any{start, micros(c.CreatedAt), micros(c.CreatedAt), c.ID.String()}
}

const afterCursor = "(? = 1 OR %[1]screated_at < ? OR (%[1]screated_at = ? AND %[1]sid < ?))"

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// parseIDs parses the ids of a scanned row.
func parseIDs(dst []*uuid.UUID, src ...string) error {
	for i, s := range src {
		id, err := uuid.Parse(s)
		if err != nil {
			return fmt.Errorf("store: bad id %q: %w", s, err)
		}
		*dst[i] = id
	}
	return nil
}
