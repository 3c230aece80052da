// Command conformance serves the reference configurations that the official
// Engine.IO v4 and Socket.IO v5 protocol test suites expect (the "Test
// suite" sections of docs/engine.io-protocol/v4-current.md and
// docs/socket.io-protocol/v5-current.md in socketio/socket.io), one file
// per protocol. It listens on 127.0.0.1:3000 unless -addr says otherwise:
//
//	go run ./internal/conformance
//
// The Engine.IO suite then runs against http://localhost:3000/engine.io/,
// the Socket.IO suite against http://localhost:3000/socket.io/.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	mux := http.NewServeMux()
	eio := engineIOServer()
	mux.Handle("/engine.io/", eio)
	sio := socketIOServer(log)
	mux.Handle(sio.Path(), sio.Handler())

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		eio.Close()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sio.Shutdown(shutdown)
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("conformance server listening", "addr", *addr, "pid", os.Getpid())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("conformance server", "err", err)
		os.Exit(1)
	}
}
