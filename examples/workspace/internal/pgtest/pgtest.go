// Package pgtest starts a PostgreSQL server for tests: Debian's
// postgresql package, initialised in a temporary directory and listening
// only on a Unix socket in that directory, run as the postgres user when
// the tests run as root (PostgreSQL refuses to run as root), stopped by its
// PID when the test ends. No TCP port: a free port chosen by the test,
// released and then bound by the server could be taken in between by
// another process — another test's server, which the test would then use
// without a word.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/require"
)

// Server is a running PostgreSQL server.
type Server struct {
	dir string // of the socket
	cmd *exec.Cmd
	n   atomic.Int64
}

// bin finds the directory of initdb and postgres: Debian installs them
// under /usr/lib/postgresql/<version>/bin, outside PATH.
func bin(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
		t.Fatal("PostgreSQL is required (./.ci/test.sh installs Debian's postgresql)")
	}
	t.Skip("needs PostgreSQL (./.ci/test.sh installs Debian's postgresql)")
	return ""
}

// Start initialises and starts a server; it is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	dir := bin(t)
	root, err := os.MkdirTemp("", "pgtest-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	cred := credential(t, root)
	data := filepath.Join(root, "data")

	initdb := exec.Command(filepath.Join(dir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"--locale=C", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := initdb.CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	s := &Server{dir: root}
	s.cmd = exec.Command(filepath.Join(dir, "postgres"), "-D", data, "-k", root,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	log, err := os.Create(filepath.Join(root, "postgres.log"))
	require.NoError(t, err)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() {
		// SIGINT is PostgreSQL's fast shutdown.
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
		_ = log.Close()
	})

	db, err := sql.Open("pgx", s.url("postgres"))
	require.NoError(t, err)
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(filepath.Join(root, "postgres.log"))
			t.Fatalf("PostgreSQL did not answer within 60 s: %v\n%s", err, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// credential returns who runs PostgreSQL: the current user, or the
// postgres user (nil means the current user) when running as root; dir
// is handed to that user.
func credential(t testing.TB, dir string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	require.NoError(t, err, "running as root needs the postgres user (Debian's postgresql package creates it)")
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	require.NoError(t, os.Chown(dir, uid, gid))
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// url is the address of database db: the host in the query (the socket's
// directory) takes precedence over the one before the path, which
// DATABASE_URL requires.
func (s *Server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@localhost/%s?host=%s&sslmode=disable", db, url.QueryEscape(s.dir))
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := "t" + strconv.FormatInt(s.n.Add(1), 10)
	db, err := sql.Open("pgx", s.url("postgres"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	return s.url(name)
}
