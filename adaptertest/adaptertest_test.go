package adaptertest_test

import (
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adaptertest"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/redislog"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func TestMemory(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{
		Servers:    1,
		NewAdapter: func(*testing.T) rtkit.Adapter { return rtkit.NewMemoryAdapter() },
	})
}

// TestInProcessCluster runs the suite on the in-process adapter rtkit's
// own tests use for clusters without Redis.
func TestInProcessCluster(t *testing.T) {
	h := hub.New()
	adaptertest.Run(t, adaptertest.Harness{
		Servers:    3,
		NewAdapter: func(*testing.T) rtkit.Adapter { return h.Adapter(false) },
	})
}

// TestInProcessClusterWithSharedLog runs the end-to-end cases with
// recovery on, through a delivery log in Redis: each emit reaches the
// clients once (from the log), not once more through the adapter.
func TestInProcessClusterWithSharedLog(t *testing.T) {
	r := redistest.Start(t)
	h := hub.New()
	adaptertest.Run(t, adaptertest.Harness{
		Servers:    2,
		NewAdapter: func(*testing.T) rtkit.Adapter { return h.Adapter(false) },
		NewDeliveryLog: func(t *testing.T) rtkit.DeliveryLog {
			return redislog.New(r.Client(t), redislog.Options{Prefix: t.Name()})
		},
	})
}
