package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
)

// clientSuiteServer is the server that socket.io-client's own tests
// (packages/socket.io-client/test in socketio/socket.io) talk to, built on
// rtkit with its untyped events: the events, namespaces and middleware of
// test/support/server.ts, pingInterval 2 s, connection state recovery on.
// Those tests connect to http://localhost:3210, the address main gives it.
//
//   - "/": answers "hi" with "hi", acknowledges "echo" with its
//     arguments, "getAckDate" with a date string, "getHandshake" with the
//     handshake and "getId" with the socket id; on "ack" it emits "ack"
//     with an acknowledgement and sends "got it" when the answer is
//     (5, {test: true}); it sends dates, UTF-8 strings, false and binary
//     on request and acknowledges binary arguments (as Node's Buffer) with
//     "buffack", "jsonbuff-ack", "abuff2-ack", "back", "jsonblob-ack" and
//     "blob3-ack"; its middleware refuses a handshake whose query has
//     "fail";
//   - "/foo": acknowledges "getId"; "/abc" sends "handshake" on
//     connection; "/timeout_socket", "/valid" and "/asd" only exist;
//   - "/no": its middleware refuses every handshake.
//
// The handshake object has the fields of a Node.js socket.handshake that
// the tests read: query (one value per key), auth, headers, time, address.
func clientSuiteServer(log *slog.Logger) *rtkit.Server {
	srv := rtkit.NewServer(
		rtkit.WithPing(2*time.Second, 20*time.Second),
		rtkit.WithRecovery(2*time.Minute),
		rtkit.WithCORS("*"),
		rtkit.WithLogger(log),
	)
	refuse := func(message string) rtkit.ConnectFunc {
		return func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
			if message == "" && s.Handshake().Query.Get("fail") == "" {
				return ctx, nil
			}
			if message == "" {
				message = "Auth failed (main namespace)"
			}
			return ctx, rtkit.NewError(rtkit.CodeUnauthorized, message)
		}
	}
	main := clientSuiteMain(refuse(""))

	foo := rtkit.NewNamespace("/foo")
	rtkit.HandleRaw(foo, "getId", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return []any{s.ID()}, nil
	})
	abc := rtkit.NewNamespace("/abc", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) {
		_ = rtkit.EmitRaw(s, "handshake", nodeHandshake(s))
	}))
	no := rtkit.NewNamespace("/no", rtkit.WithConnectFunc(refuse("Auth failed (custom namespace)")))
	srv.Mount(main, foo, abc, no,
		rtkit.NewNamespace("/timeout_socket"), rtkit.NewNamespace("/valid"), rtkit.NewNamespace("/asd"))
	return srv
}

// delayHandshakes holds each request that opens a session (no sid) for
// 10 ms before h serves it, as the Node.js test server's allowRequest
// does: the client tests of a connection timeout rely on it.
func delayHandshakes(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			select {
			case <-time.After(10 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// clientSuiteMain is the client test server's main namespace, with
// connect as its connection middleware.
func clientSuiteMain(connect rtkit.ConnectFunc) *rtkit.Namespace {
	// The events that must arrive in order: what each socket has received
	// so far (its handlers run one at a time, in arrival order).
	var order sync.Map // *rtkit.Socket → *arrived
	seen := func(s *rtkit.Socket) *arrived {
		a, _ := order.LoadOrStore(s, &arrived{})
		return a.(*arrived)
	}
	ns := rtkit.NewNamespace("/", rtkit.WithConnectFunc(connect),
		rtkit.OnDisconnect(func(s *rtkit.Socket, _ string) { order.Delete(s) }))
	emit := func(event string, args ...any) rtkit.RawHandler {
		return func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
			return nil, rtkit.EmitRaw(s, event, args...)
		}
	}
	// emitIf sends event when ok accepts the arguments (the Node.js server
	// asserts on them instead: a failed assertion there sends nothing).
	emitIf := func(event string, ok func(args []any) bool) rtkit.RawHandler {
		return func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
			if !ok(args) {
				return nil, nil
			}
			return nil, rtkit.EmitRaw(s, event)
		}
	}
	now := func() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

	// "hi" goes back as a typed event: rtkit logs typed events for
	// connection state recovery (raw ones never), and the offset that comes
	// with it is what the client presents to recover its session, as with
	// the Node.js server, which logs every emit.
	rtkit.Emits(ns, hi)
	rtkit.HandleRaw(ns, "hi", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return nil, rtkit.Emit(s, hi, struct{}{})
	})
	rtkit.HandleRaw(ns, "echo", func(_ context.Context, _ *rtkit.Socket, args []any) ([]any, error) {
		return args, nil
	})
	rtkit.HandleRaw(ns, "ack", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		go func() {
			answer, err := rtkit.EmitRawWithAck(s.Context(), s, "ack")
			if err == nil && len(answer) == 2 && answer[0] == 5.0 {
				if m, ok := answer[1].(map[string]any); ok && m["test"] == true {
					_ = rtkit.EmitRaw(s, "got it")
				}
			}
		}()
		return nil, nil
	})
	rtkit.HandleRaw(ns, "getAckDate", func(context.Context, *rtkit.Socket, []any) ([]any, error) {
		return []any{now()}, nil
	})
	rtkit.HandleRaw(ns, "getDate", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return nil, rtkit.EmitRaw(s, "takeDate", now())
	})
	rtkit.HandleRaw(ns, "getDateObj", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return nil, rtkit.EmitRaw(s, "takeDateObj", map[string]any{"date": now()})
	})
	rtkit.HandleRaw(ns, "getUtf8", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		for _, text := range []string{"てすと", "Я Б Г Д Ж Й", "Ä ä Ü ü ß", "utf8 — string", "utf8 — string"} {
			if err := rtkit.EmitRaw(s, "takeUtf8", text); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	rtkit.HandleRaw(ns, "false", emit("false", false))
	rtkit.HandleRaw(ns, "doge", emit("doge", []byte("asdfasdf")))
	rtkit.HandleRaw(ns, "getbin", emit("takebin", []byte("asdfasdf")))
	rtkit.HandleRaw(ns, "buffa", emitIf("buffack", firstIsBinary))
	rtkit.HandleRaw(ns, "blob", emitIf("back", firstIsBinary))
	rtkit.HandleRaw(ns, "jsonbuff", emitIf("jsonbuff-ack", mixedBinary))
	rtkit.HandleRaw(ns, "jsonblob", emitIf("jsonblob-ack", mixedBinary))

	rtkit.HandleRaw(ns, "abuff1", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		seen(s).abuff1 = firstIsBinary(args)
		return nil, nil
	})
	rtkit.HandleRaw(ns, "abuff2", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		if !seen(s).abuff1 {
			return nil, nil
		}
		return nil, rtkit.EmitRaw(s, "abuff2-ack")
	})
	rtkit.HandleRaw(ns, "blob1", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		seen(s).blob1 = firstIsBinary(args)
		return nil, nil
	})
	rtkit.HandleRaw(ns, "blob2", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		a := seen(s)
		a.blob2 = a.blob1 && len(args) > 0 && args[0] == "second"
		return nil, nil
	})
	rtkit.HandleRaw(ns, "blob3", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		if a := seen(s); !a.blob1 || !a.blob2 || !firstIsBinary(args) {
			return nil, nil
		}
		return nil, rtkit.EmitRaw(s, "blob3-ack")
	})
	rtkit.HandleRaw(ns, "getHandshake", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return []any{nodeHandshake(s)}, nil
	})
	rtkit.HandleRaw(ns, "getId", func(_ context.Context, s *rtkit.Socket, _ []any) ([]any, error) {
		return []any{s.ID()}, nil
	})
	return ns
}

// hi is the one server → client event of the client test server that
// rtkit logs for recovery (its payload is an empty object).
var hi = rtkit.NewEvent[struct{}, rtkit.NoAck]("hi")

// arrived is what one socket's ordered events have delivered so far.
type arrived struct{ abuff1, blob1, blob2 bool }

func firstIsBinary(args []any) bool {
	if len(args) == 0 {
		return false
	}
	_, ok := args[0].([]byte)
	return ok
}

// mixedBinary accepts {hello: "lol", message: <binary>, goodbye: "gotcha"}.
func mixedBinary(args []any) bool {
	if len(args) == 0 {
		return false
	}
	m, ok := args[0].(map[string]any)
	if !ok {
		return false
	}
	_, bin := m["message"].([]byte)
	return bin && m["hello"] == "lol" && m["goodbye"] == "gotcha"
}

// nodeHandshake is s's handshake in the shape of Node.js socket.handshake.
func nodeHandshake(s *rtkit.Socket) map[string]any {
	hs := s.Handshake()
	query := map[string]any{}
	for k, v := range hs.Query {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	headers := map[string]any{}
	for k, v := range hs.Header {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	auth := map[string]any{}
	for k, v := range hs.Auth {
		auth[k] = v
	}
	return map[string]any{
		"query":   query,
		"auth":    auth,
		"headers": headers,
		"time":    hs.Time.UTC().Format(time.RFC1123),
		"issued":  hs.Time.UnixMilli(),
		"address": hs.RemoteAddr,
	}
}
