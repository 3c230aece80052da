package rtkit_test

// Benchmarks of rtkit's two hot paths, each next to the same work done with
// the raw zishang520 server, over 127.0.0.1:
//
//   - BenchmarkRoundTrip: one client emits an event with an ack and waits
//     for it (validate + decode + handle + encode + envelope on the
//     server, plus the Go client's own work on both ends); a small payload
//     and a ~1 KB one.
//   - BenchmarkEmit1000: one typed emit to a room of 1,000 sockets, held by
//     raw websocket clients (Engine.IO v4 / Socket.IO v5 spoken by hand, so
//     that the clients cost little). ns/op, B/op and allocs/op cover the
//     emit call only; deliver-ns/op is the time from the call until all
//     1,000 sockets have received the notification.
//   - BenchmarkEmitNoRecipient: the same emit to an empty room, i.e. the
//     fixed cost of one emit (rtkit's encoding and outbound validation),
//     without the per-recipient work.
//
// Sub-benchmarks are named impl=rtkit / impl=raw, so that
//
//	go test -run '^$' -bench . -benchmem -count 6 . > bench.txt
//	benchstat -col /impl bench.txt
//
// prints rtkit against raw side by side.
//
// Connection state recovery is off everywhere (rtkit.WithRecovery(0)), as
// in the zishang520 defaults the raw servers run with. Servers and clients
// run in the benchmark's own process, so B/op and allocs/op count both
// sides, and those of an emit call include what other goroutines (the
// server's writers, the clients' readers) allocated while the call ran.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	sioc "github.com/zishang520/socket.io/clients/socket/v3"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// ---- contracts ------------------------------------------------------------

type benchEchoIn struct {
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=100"`
}

type benchEchoOut struct {
	Channel string `json:"channel"`
	OK      bool   `json:"ok"`
}

type benchOrder struct {
	ID        uuid.UUID         `json:"id"`
	CreatedAt time.Time         `json:"createdAt"`
	Status    string            `json:"status" jsonschema:"enum=pending,enum=paid,enum=shipped,enum=cancelled"`
	Customer  benchCustomer     `json:"customer"`
	Items     []benchItem       `json:"items" jsonschema:"minItems=1,maxItems=50"`
	Labels    map[string]string `json:"labels"`
	Note      string            `json:"note" jsonschema:"maxLength=500"`
}

type benchCustomer struct {
	ID      uuid.UUID    `json:"id"`
	Name    string       `json:"name" jsonschema:"minLength=1,maxLength=100"`
	Email   string       `json:"email" jsonschema:"format=email"`
	Address benchAddress `json:"address"`
}

type benchAddress struct {
	Street   string `json:"street" jsonschema:"maxLength=200"`
	City     string `json:"city" jsonschema:"maxLength=100"`
	Postcode string `json:"postcode" jsonschema:"maxLength=20"`
	Country  string `json:"country" jsonschema:"pattern=^[A-Z]{2}$"`
}

type benchItem struct {
	SKU        string `json:"sku" jsonschema:"minLength=3,maxLength=20"`
	Name       string `json:"name" jsonschema:"maxLength=100"`
	Quantity   int    `json:"quantity" jsonschema:"minimum=1,maximum=1000"`
	PriceCents int64  `json:"priceCents" jsonschema:"minimum=0"`
}

type benchOrderAck struct {
	ID         uuid.UUID `json:"id"`
	Items      int       `json:"items"`
	TotalCents int64     `json:"totalCents"`
}

type benchNotification struct {
	Type    string `json:"type" jsonschema:"enum=notification"`
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=100"`
	Seq     int    `json:"seq"`
	Ts      int64  `json:"ts"`
	Body    string `json:"body" jsonschema:"maxLength=1000"`
}

var (
	benchEvEcho         = rtkit.NewEvent[benchEchoIn, benchEchoOut]("echo")
	benchEvOrder        = rtkit.NewEvent[benchOrder, benchOrderAck]("order")
	benchEvNotification = rtkit.NewEvent[benchNotification, rtkit.NoAck]("notification")
)

const benchNamespace = "/bench"

var benchBody = strings.Repeat("x", 120)

func benchLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// benchOrderPayload is a ~1 KB order: uuid, date-time, enum, nested
// object, an array of 5 items and a map.
func benchOrderPayload() benchOrder {
	o := benchOrder{
		ID:        uuid.MustParse("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"),
		CreatedAt: time.Date(2026, 11, 27, 16, 30, 0, 123456789, time.UTC),
		Status:    "paid",
		Customer: benchCustomer{
			ID:    uuid.MustParse("0e8400e2-9b41-4d4a-a716-446655440000"),
			Name:  "Ada Lovelace",
			Email: "ada@example.com",
			Address: benchAddress{
				Street: "12 Analytical Engine Row", City: "London", Postcode: "NW1 6XE", Country: "GB",
			},
		},
		Labels: map[string]string{"source": "web", "campaign": "autumn-sale", "priority": "high", "region": "eu-west"},
		Note:   "Leave the parcel with the concierge if nobody answers; call the number on file before 18:00.",
	}
	for i := range 5 {
		o.Items = append(o.Items, benchItem{
			SKU:        fmt.Sprintf("SKU-%05d", 1000+i),
			Name:       fmt.Sprintf("Difference engine spare part number %d", i+1),
			Quantity:   i + 1,
			PriceCents: int64(1999 * (i + 1)),
		})
	}
	return o
}

func newBenchRoundTripNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace(benchNamespace)
	rtkit.Handle(ns, benchEvEcho, func(_ context.Context, _ *rtkit.Socket, in benchEchoIn) (benchEchoOut, error) {
		return benchEchoOut{Channel: in.Channel, OK: true}, nil
	})
	rtkit.Handle(ns, benchEvOrder, func(_ context.Context, _ *rtkit.Socket, in benchOrder) (benchOrderAck, error) {
		ack := benchOrderAck{ID: in.ID, Items: len(in.Items)}
		for _, it := range in.Items {
			ack.TotalCents += int64(it.Quantity) * it.PriceCents
		}
		return ack, nil
	})
	return ns
}

// ---- round trips ------------------------------------------------------------

func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	b.Cleanup(cancel)
	return ctx
}

// BenchmarkRoundTrip measures one acknowledged event, client to server and
// back, through rtkit (rtkittest.Call) and through a raw zishang520 server
// with a hand-written check (the floor rtkit is built on).
func BenchmarkRoundTrip(b *testing.B) {
	order := benchOrderPayload()
	orderJSON, err := json.Marshal(order)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("payload=small/impl=rtkit", func(b *testing.B) {
		c := startBenchRoundTrip(b)
		ctx := benchCtx(b)
		in := benchEchoIn{Channel: "user:123"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rtkittest.Call(ctx, c, benchEvEcho, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("payload=small/impl=raw", func(b *testing.B) {
		c := startBenchRawRoundTrip(b)
		ctx := benchCtx(b)
		in := map[string]any{"channel": "user:123"}
		b.ReportAllocs()
		for b.Loop() {
			var out benchEchoOut
			if err := benchRawCall(ctx, c, "echo", in, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("payload=1KB/impl=rtkit", func(b *testing.B) {
		c := startBenchRoundTrip(b)
		ctx := benchCtx(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rtkittest.Call(ctx, c, benchEvOrder, order); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(orderJSON)), "payload-B")
	})
	b.Run("payload=1KB/impl=raw", func(b *testing.B) {
		c := startBenchRawRoundTrip(b)
		ctx := benchCtx(b)
		b.ReportAllocs()
		for b.Loop() {
			var out benchOrderAck
			if err := benchRawCall(ctx, c, "order", order, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(orderJSON)), "payload-B")
	})
}

func startBenchRoundTrip(b *testing.B) *rtkittest.Client {
	srv := rtkit.NewServer(rtkit.WithLogger(benchLogger()), rtkit.WithTransports(rtkit.WebSocket), rtkit.WithRecovery(0))
	srv.Mount(newBenchRoundTripNamespace())
	ts := rtkittest.Start(b, srv)
	return ts.Dial(b, benchNamespace)
}

// startBenchRawRoundTrip serves the same two events with the raw
// zishang520 API: untyped handlers, a hand-written check for echo, no
// check for order, the same envelope.
func startBenchRawRoundTrip(b *testing.B) *sioc.Socket {
	sio, base := startBenchRawServer(b)
	badReply := map[string]any{"success": false, "error": map[string]any{"code": "VALIDATION_ERROR", "message": "invalid payload"}}
	_ = sio.Of(benchNamespace, nil).On("connection", func(a ...any) {
		s := a[0].(*socket.Socket)
		_ = s.On("echo", func(args ...any) {
			args, ack := benchSplitAck(args)
			if ack == nil {
				return
			}
			m, _ := args[0].(map[string]any)
			ch, ok := m["channel"].(string)
			if n := utf8.RuneCountInString(ch); !ok || n < 1 || n > 100 {
				ack([]any{badReply}, nil)
				return
			}
			ack([]any{map[string]any{"success": true, "data": map[string]any{"channel": ch, "ok": true}}}, nil)
		})
		_ = s.On("order", func(args ...any) {
			args, ack := benchSplitAck(args)
			if ack == nil {
				return
			}
			m, _ := args[0].(map[string]any)
			items, _ := m["items"].([]any)
			var total float64
			for _, it := range items {
				im, _ := it.(map[string]any)
				q, _ := im["quantity"].(float64)
				p, _ := im["priceCents"].(float64)
				total += q * p
			}
			if m == nil {
				ack([]any{badReply}, nil)
				return
			}
			ack([]any{map[string]any{"success": true, "data": map[string]any{"id": m["id"], "items": len(items), "totalCents": total}}}, nil)
		})
	})
	return benchDialRaw(b, base+benchNamespace)
}

func benchSplitAck(args []any) ([]any, socket.Ack) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(socket.Ack); ok {
			return args[:n-1], ack
		}
	}
	return args, nil
}

// startBenchRawServer serves a zishang520 server, websocket only, with its
// defaults otherwise, on 127.0.0.1 until the benchmark ends. It returns
// the server and its base URL ("http://127.0.0.1:PORT").
func startBenchRawServer(b *testing.B) (*socket.Server, string) {
	b.Helper()
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetTransports(types.NewSet[transports.TransportCtor](engine.WebSocket))
	sio := socket.NewServer(nil, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", sio.ServeHandler(nil))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	b.Cleanup(func() {
		closed := make(chan struct{})
		sio.Close(func(error) { close(closed) })
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-served
	})
	return sio, "http://" + ln.Addr().String()
}

// benchDialRaw connects the zishang520 Go client the way rtkittest.Dial
// does (websocket only, no reconnection).
func benchDialRaw(b *testing.B, url string) *sioc.Socket {
	b.Helper()
	o := sioc.DefaultOptions()
	o.SetTransports(types.NewSet(sioc.WebSocket))
	o.SetForceNew(true)
	o.SetReconnection(false)
	o.SetTimeout(5 * time.Second)
	c, err := sioc.Connect(url, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Disconnect() })
	connected := make(chan struct{}, 1)
	_ = c.Once("connect", func(...any) { connected <- struct{}{} })
	if !c.Connected() {
		select {
		case <-connected:
		case <-time.After(5 * time.Second):
			b.Fatal("raw client: no connect within 5s")
		}
	}
	return c
}

// benchRawCall does what rtkittest.Call does on the client side: emit with
// an ack, wait, read the envelope, decode its data.
func benchRawCall(ctx context.Context, c *sioc.Socket, event string, in any, out any) error {
	reply := make(chan []any, 1)
	ack := socket.Ack(func(a []any, _ error) {
		select {
		case reply <- a:
		default:
		}
	})
	if err := c.Emit(event, in, ack); err != nil {
		return err
	}
	select {
	case a := <-reply:
		if len(a) == 0 {
			return errors.New("empty ack")
		}
		raw, err := json.Marshal(a[0])
		if err != nil {
			return err
		}
		var env rtkittest.Envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return err
		}
		if !env.Success {
			return fmt.Errorf("failure envelope: %s", raw)
		}
		return json.Unmarshal(env.Data, out)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ---- emit to 1,000 sockets --------------------------------------------------

const benchFleetSize = 1000

// BenchmarkEmit1000 measures one emit of a ~200-byte notification to a
// room of 1,000 sockets: rtkit.Emit (validated, the default), rtkit.Emit
// without outbound validation, and the raw zishang520 broadcast
// (nsp.To("broadcast").Emit with a map payload, as the harness's go-raw
// server does). ns/op, B/op and allocs/op are those of the emit call;
// deliver-ns/op runs until every socket has the notification.
func BenchmarkEmit1000(b *testing.B) {
	b.Run("impl=rtkit", func(b *testing.B) { benchEmitRtkit(b, true, benchFleetSize) })
	b.Run("impl=rtkit-nooutbound", func(b *testing.B) { benchEmitRtkit(b, false, benchFleetSize) })
	b.Run("impl=raw", func(b *testing.B) { benchEmitRaw(b, benchFleetSize) })
}

// BenchmarkEmitNoRecipient measures the fixed cost of one emit, with the
// room empty: for rtkit the declaration check, encoding and outbound
// validation of the payload, for both the packet encoding and the room
// lookup of the underlying server. No network is involved.
func BenchmarkEmitNoRecipient(b *testing.B) {
	b.Run("impl=rtkit", func(b *testing.B) { benchEmitRtkit(b, true, 0) })
	b.Run("impl=rtkit-nooutbound", func(b *testing.B) { benchEmitRtkit(b, false, 0) })
	b.Run("impl=raw", func(b *testing.B) { benchEmitRaw(b, 0) })
}

// benchEmitRaw is the raw zishang520 broadcast to n sockets, as the
// harness's go-raw server does it.
func benchEmitRaw(b *testing.B, n int) {
	sio, base := startBenchRawServer(b)
	nsp := sio.Of(benchNamespace, nil)
	_ = nsp.On("connection", func(a ...any) { a[0].(*socket.Socket).Join("broadcast") })
	f := dialBenchFleet(b, base, n)
	benchEmitLoop(b, f, func(seq int) error {
		return nsp.To("broadcast").Emit("notification", map[string]any{
			"type":    "notification",
			"channel": "broadcast",
			"seq":     seq,
			"ts":      time.Now().UnixMilli(),
			"body":    benchBody,
		})
	})
}

func benchEmitRtkit(b *testing.B, outbound bool, n int) {
	ns := rtkit.NewNamespace(benchNamespace,
		rtkit.WithRoom("broadcast", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"broadcast"} }),
	)
	rtkit.Emits(ns, benchEvNotification)
	srv := rtkit.NewServer(rtkit.WithLogger(benchLogger()), rtkit.WithTransports(rtkit.WebSocket),
		rtkit.WithRecovery(0), rtkit.WithOutboundValidation(outbound))
	srv.Mount(ns)
	ts := rtkittest.Start(b, srv)
	f := dialBenchFleet(b, ts.URL, n)
	room := ns.To("broadcast")
	benchEmitLoop(b, f, func(seq int) error {
		return rtkit.Emit(room, benchEvNotification, benchNotification{
			Type:    "notification",
			Channel: "broadcast",
			Seq:     seq,
			Ts:      time.Now().UnixMilli(),
			Body:    benchBody,
		})
	})
}

// benchEmitLoop times emit (the timer runs during the call only) and waits
// for its delivery to the whole fleet before the next one.
func benchEmitLoop(b *testing.B, f *benchFleet, emit func(seq int) error) {
	var deliver time.Duration
	seq := 0
	b.ReportAllocs()
	if f.size == 0 {
		for b.Loop() {
			seq++
			if err := emit(seq); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	for b.Loop() {
		seq++
		f.expect(f.size)
		start := time.Now()
		if err := emit(seq); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		last, err := f.wait(10 * time.Second)
		if err != nil {
			b.Fatalf("emit %d: %v", seq, err)
		}
		deliver += last.Sub(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(deliver.Nanoseconds())/float64(seq), "deliver-ns/op")
}

// benchFleet is a set of raw Socket.IO websocket clients connected to
// namespace /bench, counting the "notification" events they receive.
type benchFleet struct {
	size  int
	conns []*benchConn
	wg    sync.WaitGroup

	got      atomic.Int64
	want     atomic.Int64
	lastNano atomic.Int64 // when got reached want
	done     chan struct{}
}

type benchConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *benchConn) write(msg string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, []byte(msg))
}

var (
	benchEventPrefix = []byte(`42` + benchNamespace + `,["notification",`)
	benchConnectAck  = []byte(`40` + benchNamespace + `,`)
	benchConnectErr  = []byte(`44` + benchNamespace + `,`)
)

// dialBenchFleet connects n raw clients to base ("http://127.0.0.1:PORT"),
// 50 handshakes at a time, and closes them when the benchmark ends.
func dialBenchFleet(b *testing.B, base string, n int) *benchFleet {
	b.Helper()
	f := &benchFleet{size: n, conns: make([]*benchConn, n), done: make(chan struct{}, 1)}
	b.Cleanup(f.close)
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	dialer := &websocket.Dialer{ReadBufferSize: 2048, WriteBufferSize: 1024, HandshakeTimeout: 5 * time.Second}

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, 50)
	)
	for i := range n {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			c, err := benchHandshake(dialer, url)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", i, err)
				}
				return
			}
			f.conns[i] = c
			f.wg.Add(1)
			go f.read(c)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return f
}

// benchHandshake opens the websocket, reads Engine.IO OPEN, joins the
// namespace and waits for its CONNECT ack.
func benchHandshake(dialer *websocket.Dialer, url string) (*benchConn, error) {
	ws, _, err := dialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	c := &benchConn{ws: ws}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil || len(msg) == 0 || msg[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("expected Engine.IO OPEN, got %q: %v", msg, err)
	}
	if err := c.write("40" + benchNamespace + ","); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		_, msg, err := ws.ReadMessage()
		switch {
		case err != nil:
			ws.Close()
			return nil, fmt.Errorf("waiting for CONNECT ack: %w", err)
		case bytes.HasPrefix(msg, benchConnectAck):
			_ = ws.SetReadDeadline(time.Time{})
			return c, nil
		case bytes.HasPrefix(msg, benchConnectErr):
			ws.Close()
			return nil, fmt.Errorf("namespace refused: %s", msg)
		case len(msg) == 1 && msg[0] == '2':
			if err := c.write("3"); err != nil {
				ws.Close()
				return nil, err
			}
		}
	}
}

// read counts notifications and answers pings until the connection ends.
func (f *benchFleet) read(c *benchConn) {
	defer f.wg.Done()
	var buf bytes.Buffer
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		msg := buf.Bytes()
		switch {
		case bytes.HasPrefix(msg, benchEventPrefix):
			if f.got.Add(1) == f.want.Load() {
				f.lastNano.Store(time.Now().UnixNano())
				select {
				case f.done <- struct{}{}:
				default:
				}
			}
		case len(msg) == 1 && msg[0] == '2':
			if c.write("3") != nil {
				return
			}
		}
	}
}

// expect sets the count the next wait waits for: n more notifications.
func (f *benchFleet) expect(n int) { f.want.Store(f.got.Load() + int64(n)) }

// wait blocks until the expected notifications arrived and returns when
// the last one did.
func (f *benchFleet) wait(timeout time.Duration) (time.Time, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-f.done:
		return time.Unix(0, f.lastNano.Load()), nil
	case <-t.C:
		return time.Time{}, fmt.Errorf("%d of %d notifications after %v", f.got.Load(), f.want.Load(), timeout)
	}
}

func (f *benchFleet) close() {
	for _, c := range f.conns {
		if c == nil {
			continue
		}
		c.wmu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		_ = c.ws.Close()
	}
	f.wg.Wait()
}
