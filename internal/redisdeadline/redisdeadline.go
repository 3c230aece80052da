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
	"time"

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
// answers).
func Run(ctx context.Context, honours bool, fn func(context.Context) error) error {
	_, err := Call(ctx, honours, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	return err
}

// Call is Run for a command with a result: it returns fn's result when
// fn returned in time, and T's zero value with ctx's error when Call
// stopped waiting for it. The result passes from fn to the caller only
// through Call, so that a command left running never writes what the
// caller reads.
func Call[T any](ctx context.Context, honours bool, fn func(context.Context) (T, error)) (T, error) {
	if honours {
		return fn(ctx)
	}
	if _, ok := ctx.Deadline(); !ok {
		return fn(ctx)
	}
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // finished meanwhile: its outcome stands
			return r.v, r.err
		default:
			return zero, ctx.Err()
		}
	}
}

// Do is Call with ctx bounded by timeout: how each rtkit package runs one
// command under its Timeout option.
func Do[T any](ctx context.Context, honours bool, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return Call(ctx, honours, fn)
}
