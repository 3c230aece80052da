package wsframing

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

const idleConns = 1000

// memInUse is the Go heap and stacks in use after a full collection.
func memInUse() (uint64, int) {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

// idleServers serve one websocket each way a library is meant to be used,
// the reader waiting for a message that does not come.
var idleServers = map[string]http.HandlerFunc{
	// control: the handshake, then the connection is held with no reader
	"control (held, no reader)": func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err == nil {
			held.Store(conn, struct{}{})
		}
	},
	"gorilla (default Upgrader)": func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_, _, _ = c.NextReader()
	},
	"gorilla (256 B read buffer, pooled writes)": func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{ReadBufferSize: 256, WriteBufferPool: &sync.Pool{}}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_, _, _ = c.NextReader()
	},
	"coder": func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, _, _ = c.Reader(context.Background())
	},
	"gobwas (blocking read on a 4 KiB buffer)": func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
	},
	"gorilla (reader on a fresh goroutine)": func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _, _ = c.NextReader()
		}()
	},
	// as internal/engine: wait for readability without a buffer
	"gobwas (RawConn wait, no buffer)": func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		waitReadable(conn)
	},
	"gobwas (RawConn wait, fresh goroutine)": func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		go waitReadable(conn)
	},
}

// waitReadable waits until conn has data, holding no buffer, then closes it.
func waitReadable(conn net.Conn) {
	defer conn.Close()
	rc, _ := conn.(syscall.Conn).SyscallConn()
	_ = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN // readable (or failed): stop waiting
	})
}

var held sync.Map

func TestIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,000 connections per library")
	}
	names := []string{
		"control (held, no reader)", "gorilla (default Upgrader)", "gorilla (256 B read buffer, pooled writes)",
		"gorilla (reader on a fresh goroutine)", "coder", "gobwas (blocking read on a 4 KiB buffer)",
		"gobwas (RawConn wait, no buffer)", "gobwas (RawConn wait, fresh goroutine)",
	}
	var control float64
	for _, name := range names {
		perConn, goroutines := measureIdle(t, idleServers[name])
		if name == names[0] {
			control = perConn
		}
		t.Logf("%-45s %7.0f B per connection over the control, %.2f goroutines per connection",
			name, perConn-control, goroutines)
	}
}

func measureIdle(t *testing.T, h http.HandlerFunc) (float64, float64) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	memBefore, gBefore := memInUse()
	clients := make([]net.Conn, 0, idleConns)
	for range idleConns {
		conn, br, _, err := ws.Dial(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		if br != nil {
			ws.PutReader(br)
		}
		clients = append(clients, conn)
	}
	time.Sleep(500 * time.Millisecond) // every server goroutine reaches its read
	memAfter, gAfter := memInUse()
	for _, c := range clients {
		_ = c.Close()
	}
	held.Range(func(k, _ any) bool { _ = k.(io.Closer).Close(); held.Delete(k); return true })
	return float64(memAfter-memBefore) / idleConns, float64(gAfter-gBefore) / idleConns
}
