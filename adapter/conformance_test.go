package adapter_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/redistest"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adaptertest"
	"github.com/rtkit-go/rtkit/redislog"
)

func TestConformanceMemory(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{
		Servers:    1,
		NewAdapter: func(*testing.T) rtkit.Adapter { return adapter.Memory() },
	})
}

// TestConformanceRedis runs the whole suite (the interface itself, then
// servers and clients) on the Redis adapter: sharded and classic Pub/Sub,
// two and three servers, once with recovery on through a delivery log
// in the same Redis, and with Options.Pipeline.
func TestConformanceRedis(t *testing.T) {
	for _, tc := range []struct {
		name    string
		servers int
		classic bool
		log     bool
		pipe    bool
	}{
		{"TwoServers", 2, false, false, false},
		{"ThreeServers", 3, false, false, false},
		{"Classic", 3, true, false, false},
		{"WithDeliveryLog", 2, false, true, false},
		{"Pipelined", 3, false, false, true},
		{"PipelinedClassic", 2, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := redistest.Start(t)
			h := adaptertest.Harness{
				Servers: tc.servers,
				NewAdapter: func(t *testing.T) rtkit.Adapter {
					return adapter.Redis(r.Client(t), adapter.Options{Logger: quiet(), Classic: tc.classic, Pipeline: tc.pipe})
				},
				NewPublisher: func(t *testing.T) rtkit.Publisher {
					return adapter.NewEmitter(r.Client(t), adapter.Options{Classic: tc.classic})
				},
			}
			if tc.log {
				h.NewDeliveryLog = func(t *testing.T) rtkit.DeliveryLog {
					return redislog.New(r.Client(t), redislog.Options{Prefix: t.Name()})
				}
			}
			adaptertest.Run(t, h)
		})
	}
}
