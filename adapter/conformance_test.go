package adapter_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/redistest"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adaptertest"
)

func TestConformanceMemory(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{
		Servers:    1,
		NewAdapter: func(*testing.T) rtkit.Adapter { return adapter.Memory() },
	})
}

func TestConformanceRedis(t *testing.T) {
	for _, servers := range []int{2, 3} {
		t.Run(map[int]string{2: "TwoServers", 3: "ThreeServers"}[servers], func(t *testing.T) {
			r := redistest.Start(t)
			// The legacy Redis adapter delivers through the zishang520
			// core, not through rtkit's adapter interface: the servers'
			// cases only.
			adaptertest.RunServers(t, adaptertest.Harness{
				Servers: servers,
				NewAdapter: func(t *testing.T) rtkit.Adapter {
					return adapter.Redis(r.Client(t), adapter.Options{Logger: quiet()})
				},
				NewPublisher: func(t *testing.T) rtkit.Publisher {
					return adapter.NewEmitter(r.Client(t), adapter.Options{})
				},
			})
		})
	}
}
