package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/rtkit-go/rtkit"
)

// socketIOServer is the Socket.IO v5 test suite's reference configuration
// on rtkit's own core, with rtkit's untyped events (rtkit.HandleRaw,
// rtkit.EmitRaw): path /socket.io/, pingInterval 300 ms, pingTimeout
// 200 ms, maxPayload 1e6, connectTimeout 1 s, CORS for every origin,
// connection state recovery off (CONNECT carries the sid alone).
//
//   - "/": sends "auth" with the handshake's auth object on connection,
//     answers "message" with "message-back" and the same arguments, and
//     acknowledges "message-with-ack" with its arguments;
//   - "/custom": sends "auth" on connection.
//
// One namespace beyond the reference, for rtkit's own tests of what the
// suite leaves out (server → client acknowledgements):
//
//   - "/ask": on connection, emits "ask" with an acknowledgement and sends
//     the client's answer back as "answer" with the same arguments.
func socketIOServer(log *slog.Logger) *rtkit.Server {
	srv := rtkit.NewServer(
		rtkit.WithPing(300*time.Millisecond, 200*time.Millisecond),
		rtkit.WithMaxPayload(1_000_000),
		rtkit.WithConnectTimeout(time.Second),
		rtkit.WithCORS("*"),
		rtkit.WithRecovery(0),
		rtkit.WithLogger(log),
	)
	sendAuth := rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) {
		_ = rtkit.EmitRaw(s, "auth", s.Handshake().Auth)
	})
	main := rtkit.NewNamespace("/", sendAuth)
	rtkit.HandleRaw(main, "message", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		return nil, rtkit.EmitRaw(s, "message-back", args...)
	})
	rtkit.HandleRaw(main, "message-with-ack", func(_ context.Context, _ *rtkit.Socket, args []any) ([]any, error) {
		return args, nil
	})
	custom := rtkit.NewNamespace("/custom", sendAuth)
	ask := rtkit.NewNamespace("/ask", rtkit.OnConnect(func(ctx context.Context, s *rtkit.Socket) {
		go func() {
			answer, err := rtkit.EmitRawWithAck(ctx, s, "ask", 1, "2", []byte{3})
			if err == nil {
				_ = rtkit.EmitRaw(s, "answer", answer...)
			}
		}()
	}))
	srv.Mount(main, custom, ask)
	return srv
}
