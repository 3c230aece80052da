package main

import (
	"log/slog"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Every socket and HTTP server owns goroutines; after all tests, servers,
// clients and child processes are gone and none may be left behind.
func TestMain(m *testing.M) {
	// Tests stop redis-server on purpose; go-redis's dial errors are noise.
	redis.SetLogger(redisLog{slog.New(slog.DiscardHandler)})
	code := leakcheck.Run(m)
	appBinary.Remove()
	cliBinary.Remove()
	os.Exit(code)
}
