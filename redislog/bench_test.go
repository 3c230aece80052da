package redislog_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/chaos"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/redislog"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkRedisLogEmit measures one emit through the Redis log on one
// server: Emit (validate, encode, XADD) until a raw websocket client in
// the room has read the frame (the server's XREAD wake-up and local
// delivery included). Compare with BenchmarkDeliveryLogEmit in the root
// package (memory log, and no log).
//
//	go test -run '^$' -bench . -benchmem ./redislog
func BenchmarkRedisLogEmit(b *testing.B) {
	rs := redistest.Start(b)
	rdb := rs.Client(b)
	quiet := slog.New(slog.DiscardHandler)
	ns := chaos.Namespace()
	srv := rtkit.NewServer(rtkit.WithLogger(quiet), rtkit.WithDeliveryLog(redislog.New(rdb, redislog.Options{})))
	srv.Mount(ns)
	ts := rtkittest.Start(b, srv)
	rc := sioraw.Join(b, ts.URL, "/chaos", nil)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		if err := rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: n}); err != nil {
			b.Fatal(err)
		}
		rc.Read()
	}
}

// BenchmarkRedisLogAppend is the store's own cost per entry: one XADD,
// on a client created with ContextTimeoutEnabled (the deadline is the
// socket's) and on one without (the log waits for each command in a
// goroutine of its own, to keep Options.Timeout against a Redis that
// hangs).
func BenchmarkRedisLogAppend(b *testing.B) {
	rs := redistest.Start(b)
	for _, ctxTimeout := range []bool{true, false} {
		name := "ContextTimeoutEnabled"
		if !ctxTimeout {
			name = "WithoutContextTimeout"
		}
		b.Run(name, func(b *testing.B) {
			rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), ContextTimeoutEnabled: ctxTimeout})
			defer rdb.Close()
			l, err := redislog.New(rdb, redislog.Options{}).Open(context.Background(), "/b", func(rtkit.LogEntry) {})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			e := rtkit.LogEntry{Rooms: []string{"user:42"}, Event: "note", Payload: json.RawMessage(`{"seq":1,"text":"hello"}`)}
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Append(context.Background(), e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRedisFootprint reports what Redis holds per retained entry (one
// room, a ~60-byte payload) and per saved session (MEMORY USAGE). Run with
// -v to see the figures.
func TestRedisFootprint(t *testing.T) {
	rs := redistest.Start(t)
	rdb := rs.Client(t)
	ctx := context.Background()
	const n = 10_000
	l, err := redislog.New(rdb, redislog.Options{MaxLen: n, MaxAge: time.Hour}).Open(ctx, "/f", func(rtkit.LogEntry) {})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	payload := json.RawMessage(`{"seq":1,"text":"a notification of a typical size, with text"}`)
	for i := range n {
		if err := l.Append(ctx, rtkit.LogEntry{Rooms: []string{"user:" + strconv.Itoa(i)}, Event: "note", Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	stream, err := rdb.MemoryUsage(ctx, "rtkit:log:{/f}", 0).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SaveSession(ctx, "pid-00000000000000000001", rtkit.LogSession{SocketID: "sid-00000000000000000001", Rooms: []string{"feed", "user:1"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	session, err := rdb.MemoryUsage(ctx, "rtkit:session:{/f}:pid-00000000000000000001").Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("redis log: %.0f B per retained entry (1 room, ~60 B payload), %d B per saved session (2 rooms)",
		float64(stream)/n, session)
	if float64(stream)/n > 2048 {
		t.Errorf("unexpectedly large: %.0f B per entry", float64(stream)/n)
	}
}
