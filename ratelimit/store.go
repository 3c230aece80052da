package ratelimit

import (
	"context"
	"time"
)

// Store keeps the budgets. Implementations must be safe for concurrent use.
type Store interface {
	// Take takes n from the budget of key under limit. It returns zero
	// when allowed, or how long to wait until the same n would be
	// allowed. A cost larger than the limit's burst can never be allowed:
	// the wait is then the time to refill a whole burst.
	Take(ctx context.Context, key string, limit Limit, n int) (wait time.Duration, err error)
}
