package adminui_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
