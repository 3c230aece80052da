package ratelimit

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit/internal/redisdeadline"
)

// RedisStore keeps budgets in Redis with GCRA, so that several server
// processes share them.
type RedisStore struct {
	lim     *redis_rate.Limiter
	prefix  string
	timeout time.Duration
	honours bool // the client bounds a command by its context's deadline
}

var _ Store = (*RedisStore)(nil)

// RedisClient is what the store needs of a go-redis client;
// *redis.Client, *redis.ClusterClient and *redis.Ring have it.
type RedisClient interface {
	redis.Scripter
	Del(ctx context.Context, keys ...string) *redis.IntCmd
}

var (
	_ RedisClient = (*redis.Client)(nil)
	_ RedisClient = (*redis.ClusterClient)(nil)
)

// RedisOptions configures NewRedisStore; the zero value is the default.
type RedisOptions struct {
	// Prefix is prepended to every key (default "rtkit:rl:").
	Prefix string
	// Timeout bounds each call to Redis (default 200 ms): a slow,
	// unreachable or hung Redis fails the call instead of holding the
	// event, whatever the client's own ReadTimeout (see NewRedisStore).
	Timeout time.Duration
}

// NewRedisStore returns a store on rdb (a *redis.Client, *redis.ClusterClient
// or *redis.Ring). The caller keeps ownership of rdb and closes it.
//
// Create rdb with ContextTimeoutEnabled: true. go-redis applies a
// context's deadline to its socket reads only with that option; without
// it, a Redis that accepts commands and never answers (a stopped server,
// DEBUG SLEEP, CLIENT PAUSE) would hold every limited event for the
// client's ReadTimeout (5 s by default) instead of Options.Timeout. The
// store keeps its Timeout either way, since a check sits in front of every
// event: for a client without the option (or one it cannot inspect), each
// check runs in a goroutine of its own that the event stops waiting for at
// the deadline, and that check, with its pooled connection, stays busy
// until the client's ReadTimeout. With the option, nothing is left behind.
func NewRedisStore(rdb RedisClient, opts RedisOptions) *RedisStore {
	if opts.Prefix == "" {
		opts.Prefix = "rtkit:rl:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	return &RedisStore{
		lim: redis_rate.NewLimiter(rdb), prefix: opts.Prefix, timeout: opts.Timeout,
		honours: redisdeadline.Honours(rdb),
	}
}

// Take implements Store.
func (r *RedisStore) Take(ctx context.Context, key string, limit Limit, n int) (time.Duration, error) {
	res, err := redisdeadline.Do(context.WithoutCancel(ctx), r.honours, r.timeout, func(ctx context.Context) (*redis_rate.Result, error) {
		return r.lim.AllowN(ctx, r.prefix+key, redis_rate.Limit{Rate: limit.Events, Burst: limit.burst(), Period: limit.Per}, n)
	})
	if err != nil {
		return 0, err
	}
	if res.Allowed >= n {
		return 0, nil
	}
	if res.RetryAfter < 0 { // more than the burst: never
		return limit.Per, nil
	}
	return res.RetryAfter, nil
}
