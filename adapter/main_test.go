package adapter_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/chatcontract"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Every socket owns goroutines: none may be left behind after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// The /chat contract every node declares.
type (
	Note = chatcontract.Note
	Meta = chatcontract.Meta
)

var noteNew = chatcontract.NoteNew

// The acknowledged event of /chat.
type (
	Question = chatcontract.Question
	Answer   = chatcontract.Answer
)

var askChat = chatcontract.AskEvent

func newNamespace() *rtkit.Namespace { return chatcontract.Namespace() }

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

// redisNode starts a node whose adapter is a Redis adapter over a new
// client of r.
func redisNode(t testing.TB, r *redistest.Server, opts adapter.Options) node {
	t.Helper()
	return startNode(t, adapter.Redis(r.Client(t), opts), nil)
}

// count counts the sockets in room on every server, as n sees them,
// within d.
func (n node) count(room string, d time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return n.ns.To(room).Count(ctx)
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

// requireNote waits for a note with text on each inbox.
func requireNote(t *testing.T, text string, inboxes ...*rtkittest.Inbox[Note]) {
	t.Helper()
	for _, in := range inboxes {
		n, err := next(in, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, text, n.Text)
	}
}

// testLogger logs to t (shown when the test fails or with -v), from
// Warn level up.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
