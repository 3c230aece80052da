package rtkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryLogOptions bounds a NewMemoryLog. The zero value means the
// defaults.
type MemoryLogOptions struct {
	// MaxEntries bounds the replayable entries kept per namespace (default
	// 10,000). The oldest go first.
	MaxEntries int
	// MaxAge bounds how long an entry is kept (default: the server's
	// recovery window, WithRecovery, plus a quarter: connected clients'
	// offsets are refreshed that often).
	MaxAge time.Duration
}

// NewMemoryLog returns a DeliveryLog kept in this process's memory: for a
// single server (a client reconnecting to another process is told to
// resync). Offsets have the form "<log id>-<sequence>", one sequence per
// namespace; the log id changes with every process, so an offset from an
// earlier process is recognised as unknown.
func NewMemoryLog(opts MemoryLogOptions) DeliveryLog {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = defaultMemoryLogEntries
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &memoryLog{opts: opts, id: hex.EncodeToString(b[:])}
}

// defaultMemoryLogEntries is MemoryLogOptions.MaxEntries's default.
const defaultMemoryLogEntries = 10_000

type memoryLog struct {
	opts MemoryLogOptions
	id   string
}

func (l *memoryLog) Shared() bool { return false }

// withMaxAge returns l with MaxAge defaulting to window.
func (l *memoryLog) withMaxAge(window time.Duration) *memoryLog {
	if l.opts.MaxAge > 0 {
		return l
	}
	c := *l
	c.opts.MaxAge = window
	return &c
}

func (l *memoryLog) Open(_ context.Context, _ string, deliver func(LogEntry)) (NamespaceLog, error) {
	maxAge := l.opts.MaxAge
	if maxAge <= 0 {
		maxAge = 2 * time.Minute
	}
	return &memoryNamespaceLog{
		prefix: l.id + "-", max: l.opts.MaxEntries, maxAge: maxAge,
		deliver: deliver, sessions: map[string]memorySession{},
	}, nil
}

// memoryNamespaceLog is one namespace's log: a ring of the replayable
// entries, oldest first, with sequence numbers that have no holes.
//
// appendMu serializes Append with its deliver call, so entries are
// delivered in sequence order; mu guards the data and is never held while
// calling out, so Range may run from inside or outside deliver.
type memoryNamespaceLog struct {
	prefix  string
	max     int
	maxAge  time.Duration
	deliver func(LogEntry)

	appendMu sync.Mutex

	mu       sync.Mutex
	seq      uint64 // last sequence handed out
	trimmed  uint64 // highest sequence dropped from the ring
	ring     []memoryEntry
	start    int // index of the oldest entry in ring
	n        int // entries in ring
	sessions map[string]memorySession
}

type memoryEntry struct {
	seq uint64
	at  int64 // UnixNano
	e   LogEntry
}

type memorySession struct {
	s       LogSession
	expires time.Time
}

func (m *memoryNamespaceLog) offset(seq uint64) string {
	return m.prefix + strconv.FormatUint(seq, 36)
}

// parse returns the sequence of an offset of this log.
func (m *memoryNamespaceLog) parse(off string) (uint64, bool) {
	rest, ok := strings.CutPrefix(off, m.prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(rest, 36, 64)
	return seq, err == nil
}

func (m *memoryNamespaceLog) Append(_ context.Context, e LogEntry) error {
	m.appendMu.Lock()
	defer m.appendMu.Unlock()
	now := time.Now()
	m.mu.Lock()
	m.expire(now)
	if !e.Transient {
		m.seq++
		e.Offset = m.offset(m.seq)
		m.push(memoryEntry{seq: m.seq, at: now.UnixNano(), e: e})
	}
	m.mu.Unlock()
	m.deliver(e)
	return nil
}

// push adds an entry, dropping the oldest when the ring is full. mu held.
func (m *memoryNamespaceLog) push(me memoryEntry) {
	if m.n == m.max {
		m.trimmed = m.ring[m.start].seq
		m.ring[m.start] = memoryEntry{}
		m.start = (m.start + 1) % len(m.ring)
		m.n--
	}
	if m.n == len(m.ring) { // grow (only until max)
		size := min(max(2*len(m.ring), 64), m.max)
		ring := make([]memoryEntry, size)
		for i := range m.n {
			ring[i] = m.ring[(m.start+i)%len(m.ring)]
		}
		m.ring, m.start = ring, 0
	}
	m.ring[(m.start+m.n)%len(m.ring)] = me
	m.n++
}

// expire drops entries older than maxAge, and expired sessions. mu held.
func (m *memoryNamespaceLog) expire(now time.Time) {
	limit := now.Add(-m.maxAge).UnixNano()
	for m.n > 0 && m.ring[m.start].at < limit {
		m.trimmed = m.ring[m.start].seq
		m.ring[m.start] = memoryEntry{}
		m.start = (m.start + 1) % len(m.ring)
		m.n--
	}
	if len(m.sessions) > 0 && m.seq%64 == 0 {
		for pid, s := range m.sessions {
			if now.After(s.expires) {
				delete(m.sessions, pid)
			}
		}
	}
}

func (m *memoryNamespaceLog) Head() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offset(m.seq)
}

func (m *memoryNamespaceLog) Range(_ context.Context, after, through string, fn func(LogEntry) error) error {
	from, ok := m.parse(after)
	if !ok {
		return ErrLogGap
	}
	to := ^uint64(0)
	if through != "" {
		if to, ok = m.parse(through); !ok {
			return ErrLogGap
		}
	}
	m.mu.Lock()
	m.expire(time.Now())
	if from < m.trimmed || from > m.seq {
		m.mu.Unlock()
		return ErrLogGap
	}
	if fn == nil {
		m.mu.Unlock()
		return nil
	}
	var out []LogEntry
	for i := range m.n {
		me := &m.ring[(m.start+i)%len(m.ring)]
		if me.seq > to {
			break
		}
		if me.seq > from {
			out = append(out, me.e)
		}
	}
	m.mu.Unlock()
	for _, e := range out {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memoryNamespaceLog) SaveSession(_ context.Context, pid string, s LogSession, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if len(m.sessions)%256 == 255 {
		for p, old := range m.sessions {
			if now.After(old.expires) {
				delete(m.sessions, p)
			}
		}
	}
	m.sessions[pid] = memorySession{s: s, expires: now.Add(ttl)}
	return nil
}

func (m *memoryNamespaceLog) TakeSession(_ context.Context, pid string) (LogSession, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[pid]
	delete(m.sessions, pid)
	if !ok || time.Now().After(s.expires) {
		return LogSession{}, false, nil
	}
	return s.s, true, nil
}

func (m *memoryNamespaceLog) Close() error { return nil }
