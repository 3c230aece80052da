package adminui

import (
	"context"
	"encoding/json"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Admin is the server side of the Admin UI for one rtkit server. Make it
// with New, give its Option to rtkit.NewServer and Mount its Namespace.
// Its methods are safe for concurrent use.
type Admin struct {
	cfg     Config
	guard   *guard
	ns      *rtkit.Namespace
	counts  *counter
	started time.Time
	loop    *loop
}

// New returns an Admin for cfg. It refuses a Config without credentials
// (unless NoAuth), a password hash that is not bcrypt's, and malformed
// origins.
func New(cfg Config) (*Admin, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	a := &Admin{cfg: cfg, guard: newGuard(cfg), counts: newCounter(), started: time.Now()}
	a.loop = &loop{a: a}
	a.ns = rtkit.NewNamespace(cfg.Namespace,
		rtkit.NamespaceDescription("The Socket.IO Admin UI's namespace (package adminui)."),
		rtkit.WithConnectFunc(a.guard.admit),
		rtkit.OnConnect(a.adminConnected),
		rtkit.OnDisconnect(a.adminDisconnected),
	)
	if !cfg.ReadOnly {
		rtkit.HandleRaw(a.ns, "join", a.join)
		rtkit.HandleRaw(a.ns, "leave", a.leave)
		rtkit.HandleRaw(a.ns, "_disconnect", a.disconnect)
	}
	rtkit.HandleServer(a.ns, statsEvent, func(context.Context, statsRequest) (ServerStats, error) {
		return a.stats(), nil
	})
	return a, nil
}

// Namespace returns the admin namespace, to Mount on the server whose
// Option observes the others.
func (a *Admin) Namespace() *rtkit.Namespace { return a.ns }

// Option observes every namespace of the server it is given to (give it
// to rtkit.NewServer): connections and disconnections, and, in
// development mode, the events sockets send.
func (a *Admin) Option() rtkit.Option {
	return rtkit.Options(
		rtkit.OnConnect(a.observeConnect),
		rtkit.OnDisconnect(a.observeDisconnect),
		rtkit.WithMiddleware(a.observeEvent),
	)
}

// features lists what the UI may offer.
func (a *Admin) features() []feature {
	var f []feature
	if !a.cfg.ReadOnly {
		f = append(f, featureJoin, featureLeave, featureDisconnect, featureMJoin, featureMLeave, featureMDisconnect)
	}
	f = append(f, featureAggregated)
	if !a.cfg.Production {
		f = append(f, featureAllEvents)
	}
	return f
}

// adminConnected greets a UI: its session id after a password login, the
// features, and at once what it would otherwise wait two seconds for.
func (a *Admin) adminConnected(ctx context.Context, s *rtkit.Socket) {
	if id, ok := ctx.Value(newSessionKey{}).(string); ok {
		_ = rtkit.EmitRaw(s, "session", id)
	}
	_ = rtkit.EmitRaw(s, "config", uiConfig{SupportedFeatures: a.features()})
	a.loop.join()
	a.report(ctx, s)
}

func (a *Admin) adminDisconnected(*rtkit.Socket, string) { a.loop.leave() }

// timestamp is how times travel to the UI (what JSON makes of a JS Date).
func timestamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// observeConnect tells the UIs connected here of a new socket.
func (a *Admin) observeConnect(_ context.Context, s *rtkit.Socket) {
	a.counts.add("rawConnection", "")
	if a.cfg.Production || !a.watched() {
		return
	}
	_ = rtkit.EmitRaw(a.ns, "socket_connected", socketOf(s), timestamp())
}

// observeDisconnect tells the UIs connected here that a socket left.
func (a *Admin) observeDisconnect(s *rtkit.Socket, reason string) {
	a.counts.add("rawDisconnection", reason)
	if a.cfg.Production || !a.watched() {
		return
	}
	_ = rtkit.EmitRaw(a.ns, "socket_disconnected", s.Namespace(), s.ID(), reason, timestamp())
}

// observeEvent counts every event a socket sends and, in development
// mode, shows it to the UIs connected here (not the admin namespace's
// own).
func (a *Admin) observeEvent(next rtkit.HandlerFunc) rtkit.HandlerFunc {
	return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
		if s.Namespace() != a.cfg.Namespace {
			a.counts.add("packetsIn", "")
			if !a.cfg.Production && a.watched() {
				_ = rtkit.EmitRaw(a.ns, "event_received", s.Namespace(), s.ID(),
					[]any{req.Event.Name, req.Payload}, timestamp())
			}
		}
		return next(ctx, s, req)
	}
}

// watched reports whether a UI is connected to this server.
func (a *Admin) watched() bool { return a.loop.active() }
