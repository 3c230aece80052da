package adminui

import (
	"context"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit"
)

// reportEvery is how often the UIs get statistics (and, in development
// mode, the list of sockets): the upstream server's period.
const reportEvery = 2 * time.Second

// askWait bounds how long a report waits for the other servers.
const askWait = time.Second

// loop reports to the UIs connected to this server while there is one.
type loop struct {
	a *Admin

	mu     sync.Mutex
	admins int
	stop   context.CancelFunc
	// on mirrors admins > 0, for the hooks' quick check.
	on atomic.Bool
}

// join counts a UI in; the first starts the reports.
func (l *loop) join() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.admins++
	l.on.Store(true)
	if l.admins == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		l.stop = cancel
		go l.run(ctx)
	}
}

// leave counts a UI out; the last stops the reports.
func (l *loop) leave() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.admins--
	l.on.Store(l.admins > 0)
	if l.admins == 0 && l.stop != nil {
		l.stop()
		l.stop = nil
	}
}

// active reports whether a UI is connected to this server.
func (l *loop) active() bool { return l.on.Load() }

func (l *loop) run(ctx context.Context) {
	t := time.NewTicker(reportEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.a.report(ctx, l.a.ns)
		}
	}
}

// report sends to (one UI or all of this server's) the statistics of
// every server and, in development mode, every server's sockets.
func (a *Admin) report(ctx context.Context, to rtkit.Target) {
	ctx, cancel := context.WithTimeout(ctx, askWait)
	defer cancel()
	log := a.ns.Server().Logger()
	all := []ServerStats{a.stats()}
	others, err := rtkit.EmitServers(ctx, a.ns, statsEvent, statsRequest{})
	if err != nil {
		log.Debug("adminui: some servers sent no statistics", "err", err)
	}
	all = append(all, others...)
	for _, st := range all {
		if err := rtkit.EmitRaw(to, "server_stats", st); err != nil {
			return // shut down, or the UI left
		}
	}
	if a.cfg.Production {
		return
	}
	sockets := []wireSocket{}
	for _, ns := range a.ns.Server().Namespaces() {
		infos, err := ns.To().Fetch(ctx)
		if err != nil {
			log.Debug("adminui: some servers listed no sockets", "namespace", ns.Name(), "err", err)
		}
		for _, info := range infos {
			sockets = append(sockets, describeSocket(ns.Name(), info))
		}
	}
	_ = rtkit.EmitRaw(to, "all_sockets", sockets)
}

// stats describes this server.
func (a *Admin) stats() ServerStats {
	host, _ := os.Hostname()
	st := ServerStats{
		ServerID: a.cfg.ServerID, Hostname: host, PID: os.Getpid(),
		Uptime:           time.Since(a.started).Seconds(),
		AggregatedEvents: a.counts.take(),
		Namespaces:       []NamespaceCount{},
	}
	clients := map[string]rtkit.Transport{}
	srv := a.ns.Server()
	if srv == nil {
		return st
	}
	for _, ns := range srv.Namespaces() {
		n := 0
		for s := range ns.Sockets() {
			n++
			if id := s.ClientID(); id != "" {
				clients[id] = s.Transport()
			}
		}
		st.Namespaces = append(st.Namespaces, NamespaceCount{Name: ns.Name(), SocketsCount: n})
	}
	st.ClientsCount = len(clients)
	for _, t := range clients {
		if t == rtkit.Polling {
			st.PollingClientsCount++
		}
	}
	return st
}

// counter counts events per second, type and subtype until taken.
type counter struct {
	mu     sync.Mutex
	counts map[countKey]int
}

type countKey struct {
	second       int64
	typ, subType string
}

// maxCounted bounds the distinct keys kept between two reports (reasons
// of disconnection are few, seconds between reports fewer).
const maxCounted = 4096

func newCounter() *counter { return &counter{counts: map[countKey]int{}} }

func (c *counter) add(typ, subType string) {
	k := countKey{second: time.Now().Unix(), typ: typ, subType: subType}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.counts[k]; !ok && len(c.counts) >= maxCounted {
		return
	}
	c.counts[k]++
}

// take returns the counts, oldest first, and starts afresh.
func (c *counter) take() []CountedEvent {
	c.mu.Lock()
	counts := c.counts
	c.counts = map[countKey]int{}
	c.mu.Unlock()
	out := make([]CountedEvent, 0, len(counts))
	for k, n := range counts {
		out = append(out, CountedEvent{Timestamp: k.second * 1000, Type: k.typ, SubType: k.subType, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Timestamp != out[j].Timestamp {
			return out[i].Timestamp < out[j].Timestamp
		}
		return out[i].Type+out[i].SubType < out[j].Type+out[j].SubType
	})
	return out
}
