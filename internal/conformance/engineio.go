package main

import (
	"time"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// engineIOServer is the Engine.IO v4 test suite's reference configuration:
// path /engine.io/, pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1e6, CORS for every origin, and every message echoed back as it came.
func engineIOServer() *engine.Server {
	return engine.NewServer(echo{}, engine.Options{
		PingInterval:   300 * time.Millisecond,
		PingTimeout:    200 * time.Millisecond,
		MaxPayload:     1_000_000,
		AllowedOrigins: []string{"*"},
	})
}

// echo sends every message back to its sender.
type echo struct{}

func (echo) OnOpen(*engine.Conn)                                {}
func (echo) OnClose(*engine.Conn, string)                       {}
func (echo) OnMessage(c *engine.Conn, data []byte, binary bool) { _ = c.Send(data, binary) }
