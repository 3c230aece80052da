// Package redislog keeps rtkit's delivery log in Redis Streams (Redis 7 or
// newer), so that a client that reconnects to another server behind a load
// balancer recovers exactly what it missed, as with one server.
//
// # How it works
//
// Each namespace has one stream, "<prefix>:log:{<namespace>}". Every event
// rtkit emits on the namespace is added to it (XADD, trimmed to
// Options.MaxLen entries, approximately, and to Options.MaxAge); its stream
// id ("1718000000000-3") is the offset the client receives as the event's
// last argument. Every server reads the stream (XREAD BLOCK, one reader per
// namespace) and delivers each entry to its own sockets, in stream order:
// an event reaches every server in the same order, whichever server emitted
// it, and a server replays to a recovering client exactly the entries
// between the client's offset and the last one it delivered itself, so
// that nothing is missed or received twice. When the client comes from a
// server whose reader was ahead of this one's, the socket waits (up to 2 s)
// until this server has delivered the client's offset, then recovers.
//
// A client's offset is older than the window when its entry is no longer in
// the stream (trimming removes entries from the head only; Redis 7.0 does
// not move max-deleted-entry-id when it trims); the client then gets
// rtkit.ResyncEvent. Sessions of disconnected sockets are kept under
// "<prefix>:session:{<namespace>}:<pid>" with the recovery window as
// expiry, and taken with GETDEL.
//
// Emits therefore travel through Redis even to sockets of the emitting
// server: one XADD and one XREAD wake-up (see the package benchmarks for
// the cost). When Redis fails, rtkit delivers through the adapter instead
// and clients are told to resync on their next reconnect.
//
// # Outages
//
// Options.Timeout bounds each command, so that an emit does not wait for
// a Redis that is down or that hangs (accepts connections and answers
// nothing: a stopped or overloaded process, DEBUG SLEEP, CLIENT PAUSE)
// before delivering without the log. go-redis applies a command's deadline
// to the socket only for a client created with ContextTimeoutEnabled:
//
//	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
//	if err != nil { … }
//	opt.ContextTimeoutEnabled = true
//	log := redislog.New(redis.NewClient(opt), redislog.Options{})
//
// With another client the log still returns at the deadline, but the
// command stays on its connection until the client's ReadTimeout (5 s by
// default), and Redis may carry it out if it resumes meanwhile. A timed-out
// append has an unknown outcome either way: when Redis adds the entry after
// all, every server's reader delivers it, and the sockets that already got
// the event without the log get it a second time, with its offset.
// ContextTimeoutEnabled makes that rare: the connection is closed at the
// deadline, and an append Redis had not yet read goes with it.
package redislog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/redisdeadline"
)

// Options configures a Log. The zero value means the defaults.
type Options struct {
	// Prefix starts every key (default "rtkit").
	Prefix string
	// MaxLen bounds each namespace's stream, approximately (default 10,000).
	MaxLen int64
	// MaxAge drops entries older than this (default 2.5 minutes): set it
	// to the server's WithRecovery window plus a quarter, the interval at
	// which rtkit refreshes connected clients' offsets.
	MaxAge time.Duration
	// Timeout bounds each command (default 1 s), also against a Redis
	// that accepts commands and never answers, whatever the client's own
	// ReadTimeout (see New); the blocking read gets Block plus Timeout.
	Timeout time.Duration
	// Block is how long a read waits for new entries before it looks
	// again; it bounds how long closing a namespace's log takes (plus
	// Timeout while Redis hangs; default 250 ms).
	Block time.Duration
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "rtkit"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10_000
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 150 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Block <= 0 {
		o.Block = 250 * time.Millisecond
	}
	return o
}

// Log is an rtkit.DeliveryLog in Redis Streams. It is safe for concurrent
// use. It never closes the Redis client.
type Log struct {
	client  redis.UniversalClient
	opts    Options
	honours bool // the client bounds a command by its context's deadline
}

var _ rtkit.DeliveryLog = (*Log)(nil)

// New returns a log that keeps its streams and sessions in client.
//
// Create client with ContextTimeoutEnabled: true. go-redis applies a
// context's deadline to its socket reads only with that option; without
// it, a Redis that accepts commands and never answers (a stopped server,
// DEBUG SLEEP, CLIENT PAUSE) would hold an emit's append for the client's
// ReadTimeout (5 s by default) instead of Options.Timeout, and the emit
// with it. The log keeps Options.Timeout either way, since rtkit falls
// back to delivering through the adapter only once the append fails: for
// a client without the option (or one it cannot inspect), each command
// runs in a goroutine of its own that the caller stops waiting for at the
// deadline, and that command, with its pooled connection, stays busy
// until the client's ReadTimeout. With the option, nothing is left behind.
func New(client redis.UniversalClient, opts Options) *Log {
	return &Log{client: client, opts: opts.withDefaults(), honours: redisdeadline.Honours(client)}
}

// do runs one command of l with ctx bounded by Options.Timeout, even on a
// client that ignores deadlines (see New), and returns its result.
func do[T any](l *Log, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	return redisdeadline.Do(ctx, l.honours, l.opts.Timeout, fn)
}

// streamKey is the key of namespace's stream.
func (l *Log) streamKey(namespace string) string {
	return l.opts.Prefix + ":log:{" + namespace + "}"
}

// Shared reports true: every server using the same Redis sees the log.
func (l *Log) Shared() bool { return true }

// Open starts the reader of namespace's stream from its current end.
func (l *Log) Open(ctx context.Context, namespace string, deliver func(rtkit.LogEntry)) (rtkit.NamespaceLog, error) {
	n := &nsLog{
		l:       l,
		key:     l.streamKey(namespace),
		session: l.opts.Prefix + ":session:{" + namespace + "}:",
		deliver: deliver,
		done:    make(chan struct{}),
	}
	last, err := do(l, ctx, func(ctx context.Context) ([]redis.XMessage, error) {
		return l.client.XRevRangeN(ctx, n.key, "+", "-", 1).Result()
	})
	if err != nil {
		return nil, fmt.Errorf("redislog: open %s: %w", namespace, err)
	}
	n.head = "0-0"
	if len(last) > 0 {
		n.head = last[0].ID
	}
	var rctx context.Context
	rctx, n.cancel = context.WithCancel(context.Background())
	go n.read(rctx, n.head)
	return n, nil
}

// nsLog is one namespace's stream on one server.
type nsLog struct {
	l       *Log
	key     string
	session string
	deliver func(rtkit.LogEntry)
	head    string // where the reader started

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// Stream entry fields.
const (
	fEvent      = "e"
	fPayload    = "p"
	fRooms      = "r"
	fExcept     = "x"
	fTransient  = "t"
	fDisconnect = "d"
)

func (n *nsLog) Append(ctx context.Context, e rtkit.LogEntry) error {
	values := []any{fEvent, e.Event, fPayload, []byte(e.Payload)}
	if len(e.Rooms) > 0 {
		b, _ := json.Marshal(e.Rooms)
		values = append(values, fRooms, b)
	}
	if len(e.Except) > 0 {
		b, _ := json.Marshal(e.Except)
		values = append(values, fExcept, b)
	}
	if e.Transient {
		values = append(values, fTransient, "1")
	}
	if e.Disconnect {
		values = append(values, fDisconnect, "1")
	}
	_, err := do(n.l, ctx, func(ctx context.Context) (string, error) {
		return n.l.client.XAdd(ctx, &redis.XAddArgs{
			Stream: n.key, MaxLen: n.l.opts.MaxLen, Approx: true, Values: values,
		}).Result()
	})
	return err
}

func (n *nsLog) Head() string { return n.head }

// read delivers the stream's new entries, in order, until Close.
func (n *nsLog) read(ctx context.Context, last string) {
	defer close(n.done)
	// Commands are not cancelled by Close but bounded by their deadlines,
	// so that Close never cuts one midway. On a client that ignores
	// deadlines, the reader stops waiting for a command at its deadline
	// and the command itself may still finish after Close returned (see
	// New).
	cmdCtx := context.WithoutCancel(ctx)
	trimmed := time.Now()
	for ctx.Err() == nil {
		if time.Since(trimmed) > time.Second {
			n.trim(cmdCtx)
			trimmed = time.Now()
		}
		// Block plus Timeout: a Redis that hangs fails the read, and
		// Close returns, that much later at most.
		res, err := redisdeadline.Do(cmdCtx, n.l.honours, n.l.opts.Block+n.l.opts.Timeout, func(ctx context.Context) ([]redis.XStream, error) {
			return n.l.client.XRead(ctx, &redis.XReadArgs{
				Streams: []string{n.key, last}, Count: 512, Block: n.l.opts.Block,
			}).Result()
		})
		if err != nil {
			if errors.Is(err, redis.Nil) || ctx.Err() != nil {
				continue
			}
			sleep(ctx, 200*time.Millisecond) // Redis is down: retry, without spinning
			continue
		}
		for _, s := range res {
			for _, m := range s.Messages {
				n.deliver(entryOf(m))
				last = m.ID
			}
		}
	}
}

// trim drops entries older than MaxAge (approximately: whole nodes only).
func (n *nsLog) trim(ctx context.Context) {
	min := time.Now().Add(-n.l.opts.MaxAge).UnixMilli()
	_, _ = do(n.l, ctx, func(ctx context.Context) (int64, error) {
		return n.l.client.XTrimMinIDApprox(ctx, n.key, strconv.FormatInt(min, 10)+"-0", 0).Result()
	})
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func entryOf(m redis.XMessage) rtkit.LogEntry {
	e := rtkit.LogEntry{Offset: m.ID}
	e.Event, _ = m.Values[fEvent].(string)
	if p, ok := m.Values[fPayload].(string); ok {
		e.Payload = json.RawMessage(p)
	}
	if r, ok := m.Values[fRooms].(string); ok {
		_ = json.Unmarshal([]byte(r), &e.Rooms)
	}
	if x, ok := m.Values[fExcept].(string); ok {
		_ = json.Unmarshal([]byte(x), &e.Except)
	}
	_, e.Transient = m.Values[fTransient]
	_, e.Disconnect = m.Values[fDisconnect]
	return e
}

func (n *nsLog) Range(ctx context.Context, after, through string, fn func(rtkit.LogEntry) error) error {
	from, ok := parseID(after)
	if !ok {
		return rtkit.ErrLogGap
	}
	if through == "" {
		through = "+"
	} else if _, ok := parseID(through); !ok {
		return rtkit.ErrLogGap
	}
	info, err := do(n.l, ctx, func(ctx context.Context) (*redis.XInfoStream, error) {
		return n.l.client.XInfoStream(ctx, n.key).Result()
	})
	switch {
	case err != nil && strings.Contains(err.Error(), "no such key"):
		if from != (streamID{}) {
			return rtkit.ErrLogGap
		}
		return nil
	case err != nil:
		return fmt.Errorf("redislog: %w", err)
	}
	if err := n.gap(ctx, from, after, info); err != nil {
		return err
	}
	if fn == nil {
		return nil
	}
	start := "(" + after
	for {
		msgs, err := do(n.l, ctx, func(ctx context.Context) ([]redis.XMessage, error) {
			return n.l.client.XRangeN(ctx, n.key, start, through, 1000).Result()
		})
		if err != nil {
			return fmt.Errorf("redislog: %w", err)
		}
		for _, m := range msgs {
			e := entryOf(m)
			if e.Transient {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(msgs) < 1000 {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

func (n *nsLog) SaveSession(ctx context.Context, pid string, s rtkit.LogSession, ttl time.Duration) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = do(n.l, ctx, func(ctx context.Context) (string, error) {
		return n.l.client.Set(ctx, n.session+pid, b, ttl).Result()
	})
	return err
}

func (n *nsLog) TakeSession(ctx context.Context, pid string) (rtkit.LogSession, bool, error) {
	var s rtkit.LogSession
	b, err := do(n.l, ctx, func(ctx context.Context) ([]byte, error) {
		return n.l.client.GetDel(ctx, n.session+pid).Bytes()
	})
	if errors.Is(err, redis.Nil) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("redislog: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, nil // not ours: unknown session
	}
	return s, true, nil
}

// gap returns ErrLogGap when entries after after are gone.
// Trimming removes entries from the head of the stream only (and does not
// move max-deleted-entry-id), so nothing after after is gone exactly when
// after itself is still there, or, for the starting point "0-0", when
// nothing was ever trimmed.
func (n *nsLog) gap(ctx context.Context, from streamID, after string, info *redis.XInfoStream) error {
	last, _ := parseID(info.LastGeneratedID)
	switch {
	case last.less(from):
		return rtkit.ErrLogGap // not from this stream
	case from == last:
		return nil // nothing after it, even if it was trimmed
	case from == (streamID{}):
		if info.EntriesAdded > info.Length {
			return rtkit.ErrLogGap
		}
		return nil
	}
	msgs, err := do(n.l, ctx, func(ctx context.Context) ([]redis.XMessage, error) {
		return n.l.client.XRangeN(ctx, n.key, after, after, 1).Result()
	})
	if err != nil {
		return fmt.Errorf("redislog: %w", err)
	}
	if len(msgs) == 0 {
		return rtkit.ErrLogGap
	}
	return nil
}

// Close stops the reader and waits for it: at most Options.Block, or
// Options.Block plus Options.Timeout while Redis hangs.
func (n *nsLog) Close() error {
	n.closeOnce.Do(n.cancel)
	<-n.done
	return nil
}

// streamID is a parsed stream entry id.
type streamID struct{ ms, seq uint64 }

func parseID(s string) (streamID, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, false
	}
	ms, err1 := strconv.ParseUint(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	return streamID{ms, seq}, err1 == nil && err2 == nil
}

func (a streamID) less(b streamID) bool {
	return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq)
}

var _ rtkit.Publisher = (*Log)(nil)

// Publish adds an event to namespace's stream for the servers sharing this
// log to deliver (to the sockets in any of rooms, all when rooms is empty,
// minus those in except): how a worker or an HTTP-only process emits,
// through rtkit's Namespace.Via(log), so that its events are logged and
// replayed like the servers' own. A publish through the adapter's emitter
// instead reaches connected clients but is not logged. Published events
// are replayable.
func (l *Log) Publish(ctx context.Context, namespace string, rooms, except []string, event string, payload json.RawMessage) error {
	n := &nsLog{l: l, key: l.streamKey(namespace)}
	return n.Append(ctx, rtkit.LogEntry{Rooms: rooms, Except: except, Event: event, Payload: payload})
}
