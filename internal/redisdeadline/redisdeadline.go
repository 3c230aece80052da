// Package redisdeadline makes a context's deadline bound a go-redis
// command whatever the client's settings.
//
// A go-redis client applies a context's deadline to its socket reads and
// writes only when it was created with ContextTimeoutEnabled (and with
// deadlines not disabled by a ReadTimeout or WriteTimeout of -2).
// Otherwise a Redis that accepts a command and never answers (a stopped
// process, DEBUG SLEEP, CLIENT PAUSE) holds the caller until the client's
// own ReadTimeout (5 s by default in go-redis v9), whatever the context
// says. rtkit's packages promise that a command takes at most their
// Timeout option; for a client that does not honour deadlines, Run keeps
// that promise by waiting for the command in another goroutine.
package redisdeadline

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Honours reports whether client applies a context's deadline to its
// socket reads and writes: a *redis.Client (including a failover client),
// *redis.ClusterClient or *redis.Ring created with ContextTimeoutEnabled
// and without deadlines disabled. Anything else (another implementation
// of redis.UniversalClient, a wrapper) is assumed not to.
func Honours(client any) bool {
	switch c := client.(type) {
	case interface{ Options() *redis.Options }:
		// Normalised by NewClient: -1 means no deadlines at all.
		o := c.Options()
		return o.ContextTimeoutEnabled && o.ReadTimeout >= 0 && o.WriteTimeout >= 0
	case interface{ Options() *redis.ClusterOptions }:
		// Not normalised for -2, which each node's client turns into
		// "no deadlines".
		o := c.Options()
		return o.ContextTimeoutEnabled && o.ReadTimeout != -2 && o.WriteTimeout != -2
	case interface{ Options() *redis.RingOptions }:
		o := c.Options()
		return o.ContextTimeoutEnabled && o.ReadTimeout != -2 && o.WriteTimeout != -2
	}
	return false
}

// Run runs fn with ctx. When honours is true, or ctx has no deadline,
// that is all. Otherwise fn runs in a goroutine of its own and Run
// returns ctx's error as soon as ctx is done, without waiting for fn,
// which the client ends later (at its ReadTimeout, or when Redis
// answers). After Run returned an error, the caller must not read
// anything fn writes.
func Run(ctx context.Context, honours bool, fn func(context.Context) error) error {
	if honours {
		return fn(ctx)
	}
	if _, ok := ctx.Deadline(); !ok {
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // finished meanwhile: its outcome stands
			return err
		default:
			return ctx.Err()
		}
	}
}
