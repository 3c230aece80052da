package engine_test

import (
	"bufio"
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
	"unsafe"

	"github.com/gobwas/ws"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// echoServer is an Engine.IO echo server on 127.0.0.1.
func echoServer(b testing.TB, o engine.Options) (*engine.Server, string) {
	if goroutineReaders() {
		o.DisableEpoll = true
	}
	srv := engine.NewServer(benchEcho{}, o)
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		engine.CloseForTest(b, srv)
		hs.Close()
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"
}

// benchEcho echoes and records nothing.
type benchEcho struct{}

func (benchEcho) OnOpen(*engine.Conn)          {}
func (benchEcho) OnClose(*engine.Conn, string) {}
func (benchEcho) OnMessage(c *engine.Conn, data []byte, binary bool) {
	_ = c.Send(data, binary)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU is the calling thread's CPU time.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// rawClient is a websocket client that allocates nothing per message
// (pre-masked frames, one read buffer), so that what a benchmark counts is
// the server's.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
	buf  []byte
	hdr  [ws.MaxHeaderSize]byte
}

func dialRaw(b testing.TB, url string) *rawClient {
	conn, br, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	c := &rawClient{conn: conn, br: br, buf: make([]byte, 512)}
	c.read(b) // the open packet
	return c
}

func (c *rawClient) read(b testing.TB) []byte {
	h, err := ws.ReadHeaderBuffer(c.br, c.hdr[:])
	if err != nil {
		b.Fatal(err)
	}
	if int64(len(c.buf)) < h.Length {
		c.buf = make([]byte, h.Length)
	}
	p := c.buf[:h.Length]
	if _, err := io.ReadFull(c.br, p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEchoWebsocket: one message to the server and its echo back,
// over websocket on 127.0.0.1, one round trip at a time. cpu-ns/op is the
// process's CPU time (client and server together, system calls included);
// allocations are the server's: the client allocates nothing per message.
func BenchmarkEchoWebsocket(b *testing.B) {
	_, url := echoServer(b, engine.Options{})
	c := dialRaw(b, url)
	defer c.conn.Close()
	msg := []byte(`42/bench,17["echo",{"channel":"` + strings.Repeat("c", 60) + `"}]`)
	frame := ws.MustCompileFrame(ws.MaskFrameInPlaceWith(ws.NewTextFrame(append([]byte{'4'}, msg...)), [4]byte{1, 2, 3, 4}))
	send := func() {
		if _, err := c.conn.Write(frame); err != nil {
			b.Fatal(err)
		}
	}
	send() // warm up the pools
	c.read(b)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		send()
		if p := c.read(b); len(p) != len(msg)+1 {
			b.Fatalf("echo of %d bytes, want %d", len(p), len(msg)+1)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkIdleWebsockets1000 opens 1,000 websocket connections and
// reports what they cost the process while idle (client ends included:
// they are subtracted by the control, a server that holds its connections
// without any reader) — run with -benchtime=1x.
func BenchmarkIdleWebsockets1000(b *testing.B) {
	const n = 1000
	for b.Loop() {
		var held sync.Map
		control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if conn, _, _, err := ws.UpgradeHTTP(r, w); err == nil {
				held.Store(conn, nil)
			}
		}))
		controlBytes, controlG := idleCost(b, "ws"+strings.TrimPrefix(control.URL, "http"), n)
		held.Range(func(k, _ any) bool { _ = k.(net.Conn).Close(); return true })
		control.Close()

		srv, url := echoServer(b, engine.Options{})
		bytes, g := idleCost(b, url, n)
		if srv.Len() != 0 {
			b.Fatalf("%d connections left", srv.Len())
		}
		b.ReportMetric((bytes-controlBytes)/n, "B/idle-conn")
		b.ReportMetric(bytes/n, "B/idle-conn-total")
		b.ReportMetric(float64(g-controlG)/n, "goroutines/idle-conn")
	}
}

// idleCost opens n connections to url, waits until they are idle, and
// returns the heap and stacks they take and the goroutines they add.
func idleCost(b *testing.B, url string, n int) (float64, int) {
	before, gBefore := inUse()
	clients := make([]*rawClient, n)
	for i := range clients {
		conn, br, _, err := ws.Dial(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		if br != nil {
			ws.PutReader(br)
		}
		clients[i] = &rawClient{conn: conn}
	}
	time.Sleep(time.Second)
	after, gAfter := inUse()
	for _, c := range clients {
		_ = c.conn.Close()
	}
	time.Sleep(200 * time.Millisecond)
	return float64(after) - float64(before), gAfter - gBefore
}

func inUse() (uint64, int) {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

// connRecorder hands out each opened Conn.
type connRecorder struct{ opens chan *engine.Conn }

func (h connRecorder) OnOpen(c *engine.Conn)              { h.opens <- c }
func (connRecorder) OnMessage(*engine.Conn, []byte, bool) {}
func (connRecorder) OnClose(*engine.Conn, string)         {}

// BenchmarkBroadcast1000 queues one 150-byte message on 1,000 websocket
// connections with a Batch and flushes it: one write per connection.
// cpu-ns/delivery is the broadcasting thread's CPU time per recipient
// (framing, copy, the write system call with the loopback delivery inside
// it), not wall time, which the clients draining on their own goroutines
// and the machine's other load would swamp.
func BenchmarkBroadcast1000(b *testing.B) {
	const n = 1000
	h := connRecorder{opens: make(chan *engine.Conn, n)}
	srv := engine.NewServer(h, engine.Options{MaxBuffered: 64 << 20})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"
	conns := make([]*engine.Conn, 0, n)
	var wg sync.WaitGroup
	for range n {
		c, _, _, err := ws.Dial(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }) // closes its side after the server's
		defer c.Close()
		conns = append(conns, <-h.opens)
	}
	msg := []byte(`2["notification",{"type":"notification","channel":"broadcast","seq":1,"body":"` + strings.Repeat("x", 70) + `"}]`)
	var batch engine.Batch
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	start := threadCPU()
	for b.Loop() {
		for _, c := range conns {
			batch.Send(c, msg, false)
		}
		batch.Flush()
	}
	b.ReportMetric(float64(threadCPU()-start)/float64(b.N*n), "cpu-ns/delivery")
	engine.CloseForTest(b, srv)
	wg.Wait()
}

// BenchmarkConnectWebsocket: a websocket handshake, the open packet, and
// the close, one connection at a time; cpu-ns/op is the process's CPU
// (client included), allocations are client and server together.
func BenchmarkConnectWebsocket(b *testing.B) {
	srv, url := echoServer(b, engine.Options{})
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		c := dialRaw(b, url)
		_ = c.conn.Close()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	for srv.Len() > 0 {
		time.Sleep(time.Millisecond)
	}
}
