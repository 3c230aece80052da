package adminui_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

const (
	testUser     = "admin"
	testPassword = "correct horse battery"
)

// testHash is testPassword's bcrypt hash at the lowest cost, made once.
var testHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// credentials returns a Config with the test's credentials.
func credentials() adminui.Config {
	return adminui.Config{Username: testUser, PasswordHash: testHash}
}

// appNamespace is the application's namespace the admin watches: any
// socket may join "team:*" rooms (the client asks with "team", a room
// name: room policies decide), and "ping" answers "pong".
func appNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/app", rtkit.WithRoom("team:*", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"team:blue"} }))
	rtkit.HandleRaw(ns, "ping", func(context.Context, *rtkit.Socket, []any) ([]any, error) {
		return []any{"pong"}, nil
	})
	rtkit.HandleRaw(ns, "team", func(ctx context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		room, _ := args[0].(string)
		if err := s.Join(ctx, room); err != nil {
			return nil, err
		}
		return []any{"joined"}, nil
	})
	return ns
}

// start serves the application's namespace and an Admin made of cfg.
func start(t *testing.T, cfg adminui.Config, opts ...rtkit.ServerOption) (*rtkittest.Server, *rtkit.Namespace) {
	t.Helper()
	admin, err := adminui.New(cfg)
	require.NoError(t, err)
	srv := rtkit.NewServer(append([]rtkit.ServerOption{admin.Option(), rtkit.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	app := appNamespace()
	srv.Mount(admin.Namespace(), app)
	return rtkittest.Start(t, srv), app
}

// login connects to /admin with auth and returns the connection and the
// server's answer to the CONNECT.
func login(t *testing.T, ts *rtkittest.Server, auth any, header http.Header) (*sioraw.Client, string) {
	t.Helper()
	c := sioraw.Dial(t, ts.URL, header)
	return c, c.Connect("/admin", auth)
}

// password is the UI's login.
func password(user, pass string) map[string]any {
	return map[string]any{"username": user, "password": pass}
}

// refusal returns the message and code of a CONNECT_ERROR frame.
func refusal(t *testing.T, frame string) (message string, code rtkit.Code) {
	t.Helper()
	require.True(t, strings.HasPrefix(frame, "44/admin,"), "want a refusal, got %s", frame)
	var e struct {
		Message string `json:"message"`
		Data    struct {
			Code rtkit.Code `json:"code"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(frame, "44/admin,")), &e))
	return e.Message, e.Data.Code
}

// event reads frames until the admin namespace's event name and returns
// its arguments; other frames are skipped.
func event(t *testing.T, c *sioraw.Client, name string) []json.RawMessage {
	t.Helper()
	args, err := tryEvent(c, name, 5*time.Second)
	require.NoError(t, err, "waiting for %s", name)
	return args
}

// tryEvent is event that returns an error when d passes first.
func tryEvent(c *sioraw.Client, name string, d time.Duration) ([]json.RawMessage, error) {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, context.DeadlineExceeded
		}
		f, err := c.TryRead(left)
		if err != nil {
			return nil, err
		}
		body, ok := strings.CutPrefix(f, "42/admin,")
		if !ok {
			continue
		}
		var args []json.RawMessage
		if json.Unmarshal([]byte(body), &args) != nil || len(args) == 0 {
			continue
		}
		var ev string
		if json.Unmarshal(args[0], &ev) == nil && ev == name {
			return args[1:], nil
		}
	}
}

// uiSocket is a socket as the UI reads it.
type uiSocket struct {
	ID        string   `json:"id"`
	ClientID  string   `json:"clientId"`
	Transport string   `json:"transport"`
	Nsp       string   `json:"nsp"`
	Rooms     []string `json:"rooms"`
	Handshake struct {
		Address string            `json:"address"`
		Headers map[string]string `json:"headers"`
		Query   map[string]string `json:"query"`
	} `json:"handshake"`
}

// allSockets reads the next "all_sockets".
func allSockets(t *testing.T, c *sioraw.Client) []uiSocket {
	t.Helper()
	args := event(t, c, "all_sockets")
	require.Len(t, args, 1)
	var out []uiSocket
	require.NoError(t, json.Unmarshal(args[0], &out))
	return out
}

// find returns the socket with id, or nil.
func find(ss []uiSocket, id string) *uiSocket {
	for i := range ss {
		if ss[i].ID == id {
			return &ss[i]
		}
	}
	return nil
}

// eventually polls cond every 20 ms for up to 5 s.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 20*time.Millisecond, msg)
}

// socketOf returns the server's socket with id in ns, or nil.
func socketOf(ns *rtkit.Namespace, id string) *rtkit.Socket {
	for s := range ns.Sockets() {
		if s.ID() == id {
			return s
		}
	}
	return nil
}
