package adapter_test

import (
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkRedisCrossNode emits from server A to a room whose one socket
// is on server B (both in this process, one local redis-server) and waits
// for every event to reach the client.
func BenchmarkRedisCrossNode(b *testing.B) {
	r := redistest.Start(b)
	a := redisNode(b, r, adapter.Options{})
	far := redisNode(b, r, adapter.Options{})
	in := rtkittest.Listen(far.dial(b, "r:1"), noteNew)
	note := Note{Text: "bench", ID: 1 << 40, Tags: []string{"a", "b"}, Meta: &Meta{Score: 1.5}}

	b.Run("Throughput", func(b *testing.B) {
		done := make(chan error, 1)
		go func() {
			for range b.N {
				if _, err := next(in, 10*time.Second); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for b.Loop() {
			if err := rtkit.Emit(a.ns.To("r:1"), noteNew, note); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("Latency", func(b *testing.B) {
		for b.Loop() {
			if err := rtkit.Emit(a.ns.To("r:1"), noteNew, note); err != nil {
				b.Fatal(err)
			}
			if _, err := next(in, 5*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	})
}
