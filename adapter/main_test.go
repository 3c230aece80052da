package adapter_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The Go client's engine package starts a network monitor when it
		// is imported; it lives as long as the process.
		goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"))
}

// redisServer is a redis-server process this test started, on 127.0.0.1.
type redisServer struct {
	t    testing.TB
	port string
	cmd  *exec.Cmd
}

func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("redis-server is required (./.ci/test.sh installs it)")
		}
		t.Skip("needs redis-server (./.ci/test.sh installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	r := &redisServer{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) addr() string { return "127.0.0.1:" + r.port }
func (r *redisServer) url() string  { return "redis://" + r.addr() }

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	require.NoError(r.t, r.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer func() { _ = rdb.Close() }()
	require.Eventually(r.t, func() bool {
		return rdb.Ping(context.Background()).Err() == nil
	}, 5*time.Second, 20*time.Millisecond, "redis-server did not start")
}

// stop kills the process this test started, by its PID, and waits for it.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// client returns a go-redis client of r, closed when the test ends.
func (r *redisServer) client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Note is the payload of the test event. ID beyond 2^53 checks that
// numbers cross nodes exactly.
type Note struct {
	Text string   `json:"text" jsonschema:"minLength=1"`
	ID   int64    `json:"id"`
	Tags []string `json:"tags,omitempty"`
	Meta *Meta    `json:"meta,omitempty"`
}

// Meta is a nested object of Note.
type Meta struct {
	Score float64 `json:"score"`
	Seen  bool    `json:"seen"`
}

var noteNew = rtkit.NewEvent[Note, rtkit.NoAck]("note:new")

// newNamespace declares /chat as every node (and emitter process) does:
// rooms "r:{id}", joined at connection from auth.rooms.
func newNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/chat",
		rtkit.WithRoom("r:{id}", rtkit.Anyone),
		rtkit.AutoJoin(func(_ context.Context, s *rtkit.Socket) []string {
			raw, _ := s.Handshake().Auth["rooms"].(string)
			if raw == "" {
				return nil
			}
			return strings.Split(raw, ",")
		}))
	rtkit.Emits(ns, noteNew)
	return ns
}

// node is one rtkit server with the /chat namespace.
type node struct {
	ns  *rtkit.Namespace
	srv *rtkittest.Server
}

func startNode(t testing.TB, a rtkit.Adapter, logger *slog.Logger) node {
	t.Helper()
	if logger == nil {
		logger = quiet()
	}
	ns := newNamespace()
	srv := rtkit.NewServer(rtkit.WithAdapter(a), rtkit.WithLogger(logger))
	srv.Mount(ns)
	return node{ns: ns, srv: rtkittest.Start(t, srv)}
}

// dial connects a client to n's /chat, in rooms (comma-separated).
func (n node) dial(t testing.TB, rooms string) *rtkittest.Client {
	t.Helper()
	return n.srv.Dial(t, "/chat", rtkittest.WithAuth(map[string]any{"rooms": rooms}))
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// countingHandler counts the records logged at Error level.
type countingHandler struct {
	mu     sync.Mutex
	errors int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		h.errors++
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.errors
}

// drain reads inbox until a note with text "end" and returns the texts
// before it, in order.
func drain(t *testing.T, in *rtkittest.Inbox[Note]) []string {
	t.Helper()
	var got []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := in.Next(ctx)
		cancel()
		require.NoError(t, err, "after %v", got)
		if n.Text == "end" {
			return got
		}
		got = append(got, n.Text)
	}
}

// next waits up to d for one note.
func next(in *rtkittest.Inbox[Note], d time.Duration) (Note, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return in.Next(ctx)
}
