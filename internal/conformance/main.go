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
//
// It also serves, on 127.0.0.1:3210 unless -client-addr says otherwise,
// the server that socket.io-client's own tests expect
// (packages/socket.io-client/test/support/server.ts), so that those tests
// run against rtkit: see clientsuite.go.
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

	"github.com/rtkit-go/rtkit"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	clientAddr := flag.String("client-addr", "127.0.0.1:3210", "listen address of the socket.io-client test server (empty: none)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	mux := http.NewServeMux()
	eio := engineIOServer()
	mux.Handle("/engine.io/", eio)
	sio := socketIOServer(log)
	mux.Handle(sio.Path(), sio.Handler())

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	var client *rtkit.Server
	var clientHTTP *http.Server
	if *clientAddr != "" {
		client = clientSuiteServer(log)
		cmux := http.NewServeMux()
		cmux.Handle(client.Path(), delayHandshakes(client.Handler()))
		clientHTTP = &http.Server{Addr: *clientAddr, Handler: cmux, ReadHeaderTimeout: 10 * time.Second}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		eioDone, cancelEIO := context.WithTimeout(context.Background(), 5*time.Second)
		_ = eio.Close(eioDone) // its own budget: it may use all of it on clients that linger
		cancelEIO()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sio.Shutdown(shutdown)
		_ = srv.Shutdown(shutdown)
		if client != nil {
			_ = client.Shutdown(shutdown)
			_ = clientHTTP.Shutdown(shutdown)
		}
	}()
	if clientHTTP != nil {
		go func() {
			log.Info("socket.io-client test server listening", "addr", *clientAddr)
			if err := clientHTTP.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("socket.io-client test server", "err", err)
				os.Exit(1)
			}
		}()
	}
	log.Info("conformance server listening", "addr", *addr, "pid", os.Getpid())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("conformance server", "err", err)
		os.Exit(1)
	}
}
