package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// WhoOut is what the whoami event answers: the principal the handler sees.
type WhoOut struct {
	Authenticated bool      `json:"authenticated"`
	UserID        string    `json:"userId,omitempty"`
	Email         string    `json:"email,omitempty"`
	Role          string    `json:"role,omitempty"`
	SessionID     string    `json:"sessionId,omitempty"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

type Empty struct{}

var evWhoAmI = rtkit.NewEvent[Empty, WhoOut]("whoami")

// whoNamespace serves whoami on name.
func whoNamespace(name string, opts ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name, opts...)
	rtkit.Handle(ns, evWhoAmI, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (WhoOut, error) {
		p, ok := auth.PrincipalFrom(ctx)
		return WhoOut{Authenticated: ok, UserID: p.UserID, Email: p.Email, Role: p.Role,
			SessionID: p.SessionID, ExpiresAt: p.ExpiresAt}, nil
	})
	return ns
}

// start serves namespaces on a server protected by opt, logging into the
// returned buffer, to check what the operator sees.
func start(t *testing.T, opt func(*slog.Logger) rtkit.ServerOption, nss ...*rtkit.Namespace) (*rtkittest.Server, *proctest.Buffer) {
	t.Helper()
	logs := &proctest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := rtkit.NewServer(rtkit.WithLogger(log), opt(log))
	srv.Mount(nss...)
	return rtkittest.Start(t, srv), logs
}

// users is a Func authenticator over a fixed token table.
func users(table map[string]auth.Principal) auth.Func {
	return func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
		p, ok := table[c.Token()]
		if !ok {
			return auth.Principal{}, errors.New("unknown token " + c.Token())
		}
		return p, nil
	}
}

func token(tok string) rtkittest.DialOption {
	return rtkittest.WithAuth(map[string]any{"token": tok})
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// whoami calls whoami on c and fails the test on error.
func whoami(t *testing.T, c *rtkittest.Client) WhoOut {
	t.Helper()
	out, err := rtkittest.Call(ctx5(t), c, evWhoAmI, Empty{})
	require.Nil(t, err)
	return out
}

// refused dials and returns the connect_error, failing if it connected.
func refused(t *testing.T, ts *rtkittest.Server, ns string, opts ...rtkittest.DialOption) *rtkittest.ConnectError {
	t.Helper()
	_, err := ts.TryDial(t, ns, opts...)
	require.Error(t, err, "connection should be refused")
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	return ce
}

// disconnected reports the reason the server disconnected c with.
func disconnected(c *rtkittest.Client) <-chan string {
	ch := make(chan string, 1)
	_ = c.Raw().On("disconnect", func(args ...any) {
		r, _ := args[0].(string)
		select {
		case ch <- r:
		default:
		}
	})
	return ch
}

// rtkittestCookie sends a Cookie header with the handshake.
func rtkittestCookie(v string) rtkittest.DialOption {
	return rtkittest.WithHeader(map[string][]string{"Cookie": {v}})
}
