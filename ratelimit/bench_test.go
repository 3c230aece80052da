package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/ratelimit"
)

// BenchmarkMemoryStoreTake measures what the limiter adds to each event
// with the memory store: one budget lookup and take, over 1,000 sockets.
func BenchmarkMemoryStoreTake(b *testing.B) {
	store := ratelimit.NewMemoryStore()
	limit := ratelimit.Limit{Events: 1 << 30, Per: time.Second} // never refuses
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "s:/rl#" + strconv.Itoa(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := store.Take(ctx, keys[i%len(keys)], limit, 1); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkMemoryStoreRefuse measures the refusal path (the flood case).
func BenchmarkMemoryStoreRefuse(b *testing.B) {
	store := ratelimit.NewMemoryStore()
	limit := ratelimit.Limit{Events: 1, Per: time.Hour}
	ctx := context.Background()
	_, _ = store.Take(ctx, "k", limit, 1)
	b.ReportAllocs()
	for b.Loop() {
		if wait, _ := store.Take(ctx, "k", limit, 1); wait == 0 {
			b.Fatal("expected a refusal")
		}
	}
}
