// Command echo is a small rtkit server: one namespace, "/chat", where
// clients post messages to rooms and everyone in the room receives them.
//
//	go run ./examples/echo
//
// It listens on PORT (default 3000) and serves:
//
//   - the Socket.IO endpoint at /socket.io/, namespace "/chat";
//   - GET /healthz, the server's health as JSON (503 unless "ok").
//
// A client emits "message:send" with {"room": "lobby", "text": "hi"} and an
// acknowledgement callback. The server joins the sender to "room:lobby",
// through the room policy "room:{name}", and emits "message:new" to that
// room, the sender included. From the browser console of a page that loads
// the official client:
//
//	const s = io("http://localhost:3000/chat");
//	s.on("message:new", (m) => console.log(m));
//	s.emit("message:send", { room: "lobby", text: "hi" }, (ack) => console.log(ack));
//
// (WithCORS must list that page's origin for a browser on another origin.)
// SIGINT or SIGTERM shuts it down gracefully: rtkit first, then HTTP.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/echo/chat"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("echo: stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}

	srv := rtkit.NewServer(rtkit.WithLogger(log))
	srv.Mount(chat.Namespace())

	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := srv.Health(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	hs := &http.Server{
		Addr:              ":" + port,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	served := make(chan error, 1)
	go func() {
		log.Info("echo: listening", "addr", hs.Addr, "namespace", "/chat", "path", srv.Path())
		served <- hs.ListenAndServe()
	}()

	select {
	case err := <-served:
		// The listener failed (port in use, say): nothing to drain.
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the default way
	log.Info("echo: shutting down")

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// rtkit first: websocket connections are hijacked, so http.Server
	// neither sees nor waits for them.
	err := srv.Shutdown(sctx)
	if herr := hs.Shutdown(sctx); herr != nil && err == nil {
		err = herr
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	log.Info("echo: stopped cleanly")
	return nil
}
