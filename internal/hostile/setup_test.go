package hostile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

var key = []byte("hostile-suite-key-0123456789abcdef")

// suite is one hostile server and what the tests need to attack it.
type suite struct {
	*rtkittest.Server
	srv *hostile.Server
}

var users atomic.Int64

// start serves a hostile server, changed by edit.
func start(t *testing.T, edit func(*hostile.Config)) *suite {
	t.Helper()
	cfg := hostile.Config{Key: key}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := hostile.NewServer(cfg)
	require.NoError(t, err)
	return &suite{Server: rtkittest.Start(t, srv.Server), srv: srv}
}

// user returns a fresh user id, so that per-user limits of one test do not
// reach another.
func user() string { return fmt.Sprintf("u%d", users.Add(1)) }

func token(u string) string { return hostile.Token(key, u, "s-"+u, "", time.Hour) }

// join opens a raw connection as a fresh user and connects to /app.
func (s *suite) join(t *testing.T) (*sioraw.Client, string) {
	t.Helper()
	u := user()
	return sioraw.Join(t, s.URL, hostile.Namespace, map[string]any{"token": token(u)}), u
}

// dial connects the Go client as user u.
func (s *suite) dial(t *testing.T, u string) *rtkittest.Client {
	t.Helper()
	return s.Dial(t, hostile.Namespace, rtkittest.WithAuth(map[string]any{"token": token(u)}))
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// healthy checks that the server still serves: a bystander's echo is
// answered and a new client can connect and be answered.
func (s *suite) healthy(t *testing.T, bystander *rtkittest.Client) {
	t.Helper()
	out, err := rtkittest.Call(ctx5(t), bystander, hostile.Echo, hostile.EchoIn{Text: "still here"})
	require.Nil(t, err, "the bystander is answered")
	require.Equal(t, "still here", out.Text)
	u := user()
	c := s.dial(t, u)
	out, err = rtkittest.Call(ctx5(t), c, hostile.Echo, hostile.EchoIn{Text: "new"})
	require.Nil(t, err, "a new client is served")
	require.Equal(t, u, out.User)
	c.Close()
}

// ackCode returns the error code of an acknowledgement's JSON arguments
// ("" for success).
func ackCode(t *testing.T, args string) string {
	t.Helper()
	var env []struct {
		Success bool `json:"success"`
		Error   struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(args), &env), "ack %s", args)
	require.Len(t, env, 1)
	if env[0].Success {
		return ""
	}
	return env[0].Error.Code
}

// poller is a hand-written Engine.IO long-polling client.
type poller struct {
	t   *testing.T
	url string
	sid string
	hc  *http.Client
}

// openPolling performs the polling handshake with header.
func (s *suite) openPolling(t *testing.T, header http.Header) (*poller, *http.Response, string) {
	t.Helper()
	p := &poller{t: t, url: s.URL + "/socket.io/?EIO=4&transport=polling", hc: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(p.hc.CloseIdleConnections)
	resp, body := p.do(http.MethodGet, "", header)
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(body, "0{") {
		var open struct {
			SID string `json:"sid"`
		}
		require.NoError(t, json.Unmarshal([]byte(body[1:]), &open))
		p.sid = open.SID
	}
	return p, resp, body
}

func (p *poller) do(method, body string, header http.Header) (*http.Response, string) {
	p.t.Helper()
	u := p.url
	if p.sid != "" {
		u += "&sid=" + p.sid
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(p.t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.hc.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b)
}

// send posts Engine.IO packets (joined by the record separator).
func (p *poller) send(packets ...string) (*http.Response, string) {
	p.t.Helper()
	return p.do(http.MethodPost, strings.Join(packets, "\x1e"), nil)
}

// poll reads what the server has queued.
func (p *poller) poll() (*http.Response, string) {
	p.t.Helper()
	return p.do(http.MethodGet, "", nil)
}

// rtkittestCookie sends a Cookie header with the Go client's handshake.
func rtkittestCookie(v string) rtkittest.DialOption {
	return rtkittest.WithHeader(http.Header{"Cookie": {v}})
}
