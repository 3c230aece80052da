package rtkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkDeliveryLogEmit measures what the delivery log adds to one emit:
// Emit to a room whose only member is a raw websocket client, waiting
// until the client has read the frame, with recovery off (no log) and on
// (the memory log). ns/op is emit-to-receipt; B/op and allocs/op include
// the client's reads.
//
//	go test -run '^$' -bench DeliveryLog -benchmem .
func BenchmarkDeliveryLogEmit(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []rtkit.ServerOption
	}{
		{"log=off", []rtkit.ServerOption{rtkit.WithRecovery(0)}},
		{"log=memory", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ns := feedNamespace("/b")
			srv := rtkit.NewServer(append([]rtkit.ServerOption{rtkit.WithLogger(benchLogger())}, tc.opts...)...)
			srv.Mount(ns)
			ts := rtkittest.Start(b, srv)
			rc := sioraw.Join(b, ts.URL, "/b", nil)
			note := Note{Seq: 1, Text: "a notification of a typical size, with some text in it"}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := rtkit.Emit(ns.To("feed"), evNote, note); err != nil {
					b.Fatal(err)
				}
				rc.Read()
			}
		})
	}
}

// BenchmarkMemoryLogAppend is the memory log's own cost per entry
// (Append and its delivery callback doing nothing).
func BenchmarkMemoryLogAppend(b *testing.B) {
	l, err := rtkit.NewMemoryLog(rtkit.MemoryLogOptions{}).Open(context.Background(), "/b", func(rtkit.LogEntry) {})
	if err != nil {
		b.Fatal(err)
	}
	e := rtkit.LogEntry{Rooms: []string{"user:42"}, Event: "note", Payload: json.RawMessage(`{"seq":1,"text":"hello"}`)}
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Append(context.Background(), e)
	}
}

// TestMemoryLogFootprint measures the heap a memory log holds per retained
// entry (one room, a ~60-byte payload shared by the entries, as an encoded
// emit is) and per saved session (two rooms). Run with -v to see the
// figures; it fails only if they are far off.
func TestMemoryLogFootprint(t *testing.T) {
	const n = 10_000
	payload := json.RawMessage(`{"seq":1,"text":"a notification of a typical size, with text"}`)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	l, err := rtkit.NewMemoryLog(rtkit.MemoryLogOptions{MaxEntries: n, MaxAge: time.Hour}).
		Open(context.Background(), "/f", func(rtkit.LogEntry) {})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		// One room per entry, each a distinct string, as user rooms are.
		room := fmt.Sprintf("user:%d", i)
		_ = l.Append(context.Background(), rtkit.LogEntry{Rooms: []string{room}, Event: "note", Payload: payload})
	}
	perEntry := float64(heap()-before) / n
	mid := heap()
	for i := range n {
		_ = l.SaveSession(context.Background(), fmt.Sprintf("pid-%020d", i),
			rtkit.LogSession{SocketID: fmt.Sprintf("sid-%020d", i), Rooms: []string{"feed", fmt.Sprintf("user:%d", i)}}, time.Hour)
	}
	perSession := float64(heap()-mid) / n
	t.Logf("memory log: %.0f B per retained entry (1 room of ~10 B, payload shared), %.0f B per saved session (2 rooms)",
		perEntry, perSession)
	if perEntry > 1024 || perSession > 2048 {
		t.Errorf("unexpectedly large: %.0f B per entry, %.0f B per session", perEntry, perSession)
	}
	runtime.KeepAlive(l)
}
