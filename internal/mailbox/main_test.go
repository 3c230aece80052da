package mailbox

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
