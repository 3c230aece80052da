package adapter

import (
	"github.com/rtkit-go/rtkit"
)

// Memory returns the in-memory adapter (rtkit.NewMemoryAdapter): every
// broadcast stays in this process. It is what an rtkit server uses without
// WithAdapter. It is safe for concurrent use.
func Memory() rtkit.Adapter { return rtkit.NewMemoryAdapter() }
