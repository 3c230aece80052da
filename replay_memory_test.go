package rtkit_test

import (
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/logtest"
)

func TestMemoryLogConformance(t *testing.T) {
	logtest.Run(t, func(*testing.T) rtkit.DeliveryLog { return rtkit.NewMemoryLog(rtkit.MemoryLogOptions{}) })
}
