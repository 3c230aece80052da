package ratelimit_test

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/internal/sioraw"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// callers has each client make calls one after the other and returns every
// latency. Every call must succeed.
func callers(t *testing.T, clients []*rtkittest.Client, calls int) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for i := range calls {
				began := time.Now()
				_, err := rtkittest.Call(ctx5(t), c, evPing, ping{N: i})
				d := time.Since(began)
				if err != nil {
					t.Errorf("a well-behaved client was refused: %v", err)
					return
				}
				mu.Lock()
				all = append(all, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all
}

func p99(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	if len(ds) == 0 {
		return 0
	}
	return ds[len(ds)*99/100]
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestFloodDoesNotHurtOthers: one client sends as fast as it can (at most
// 20,000 events or 3 s) while 50 others keep calling. The figures are
// reported, not asserted: what is asserted is that every call of the others
// succeeds, that the flooder is refused, and that the server keeps serving.
func TestFloodDoesNotHurtOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test")
	}
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerSecond(50), DisconnectAfter: 50, Logger: quiet()})))
	var others []*rtkittest.Client
	for range 50 {
		others = append(others, ts.Dial(t, "/rl"))
	}
	baseline := callers(t, others, 20)

	// The flooder writes pre-encoded frames on a raw websocket, as an
	// attacker would: the Go client would spend more CPU in this process
	// than the server does, and blur the figures.
	flooder := sioraw.Join(t, ts.URL, "/rl", nil).Conn()
	var refused atomic.Int64
	go func() {
		for {
			_, msg, err := flooder.ReadMessage()
			if err != nil {
				return
			}
			if strings.Contains(string(msg), `"RATE_LIMITED"`) {
				refused.Add(1)
			}
		}
	}()
	heapBefore := heapInUse()
	var sent atomic.Int64
	flooded := make(chan struct{})
	frame := []byte(`42/rl,["ping",{"n":1}]`)
	go func() {
		defer close(flooded)
		deadline := time.Now().Add(3 * time.Second)
		for sent.Load() < 20_000 && time.Now().Before(deadline) {
			if flooder.WriteMessage(websocket.TextMessage, frame) != nil {
				return
			}
			sent.Add(1)
		}
	}()
	during := callers(t, others, 20)
	<-flooded
	heapAfter := heapInUse()

	require.Eventually(t, func() bool { return refused.Load() > 0 }, 5*time.Second, 10*time.Millisecond,
		"the flooder was told it is over its limit")
	t.Logf("flood: %d events sent by one raw client, %d refusals received; others' p99 ack latency %v without flood, %v during it (%.2fx); heap in use %d KiB → %d KiB",
		sent.Load(), refused.Load(), p99(baseline), p99(during), float64(p99(during))/float64(p99(baseline)), heapBefore/1024, heapAfter/1024)

	code, _ := call(t, others[0], evPing, 0)
	assert.Equal(t, rtkit.Code(""), code, "the server still serves")
}
