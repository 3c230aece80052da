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
	feed    *feed
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
	a.feed = &feed{a: a}
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
		// Only a report loop asks: a UI is connected to the asking server.
		a.feed.remoteUntil.Store(time.Now().Add(remoteLease).UnixNano())
		return a.stats(), nil
	})
	a.shareSessions()
	rtkit.HandleServer(a.ns, updatesEvent, func(_ context.Context, b updateBatch) (rtkit.NoAck, error) {
		a.deliver(b.Updates)
		return rtkit.NoAck{}, nil
	})
	return a, nil
}

// Namespace returns the admin namespace, to Mount on the server whose
// Option observes the others.
func (a *Admin) Namespace() *rtkit.Namespace { return a.ns }

// Option observes every namespace of the server it is given to (give it
// to rtkit.NewServer): connections and disconnections, and, in
// development mode, rooms joined and left, transport upgrades and the
// events sockets send and receive.
func (a *Admin) Option() rtkit.Option {
	return rtkit.Options(
		rtkit.OnConnect(a.observeConnect),
		rtkit.OnDisconnect(a.observeDisconnect),
		rtkit.WithMiddleware(a.observeEvent),
		rtkit.OnSocketChange(a.observeChange),
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

// observeConnect tells the UIs of a new socket.
func (a *Admin) observeConnect(_ context.Context, s *rtkit.Socket) {
	a.counts.add("rawConnection", "")
	if a.live() {
		a.feed.push("socket_connected", socketOf(s), timestamp())
	}
}

// observeDisconnect tells the UIs that a socket left, and left its own
// room (its other rooms were reported by observeChange).
func (a *Admin) observeDisconnect(s *rtkit.Socket, reason string) {
	a.counts.add("rawDisconnection", reason)
	if a.live() {
		ts := timestamp()
		a.feed.push("room_left", s.Namespace(), s.ID(), s.ID(), ts)
		a.feed.push("socket_disconnected", s.Namespace(), s.ID(), reason, ts)
	}
}

// observeChange tells the UIs of rooms joined and left, of a transport
// upgrade, and of the events sent to sockets (not the admin namespace's
// own, which are these very updates).
func (a *Admin) observeChange(s *rtkit.Socket, c rtkit.SocketChange) {
	if !a.live() || len(c.Room) > maxRoomShown {
		return
	}
	switch c.Kind {
	case rtkit.RoomJoined:
		a.feed.push("room_joined", s.Namespace(), c.Room, s.ID(), timestamp())
	case rtkit.RoomLeft:
		a.feed.push("room_left", s.Namespace(), c.Room, s.ID(), timestamp())
	case rtkit.TransportUpgraded:
		a.feed.push("socket_updated", map[string]any{"id": s.ID(), "nsp": s.Namespace(), "transport": string(s.Transport())})
	case rtkit.EventSent:
		if a.feed.full.Load() {
			a.feed.drop()
			return
		}
		if s.Namespace() != a.cfg.Namespace {
			a.feed.push("event_sent", s.Namespace(), s.ID(), append([]any{c.Event}, c.Args...), timestamp())
		}
	}
}

// observeEvent counts every event a socket sends and, in development
// mode, shows it to the UIs connected here (not the admin namespace's
// own).
func (a *Admin) observeEvent(next rtkit.HandlerFunc) rtkit.HandlerFunc {
	return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
		if s.Namespace() != a.cfg.Namespace {
			a.counts.add("packetsIn", "")
			if a.live() {
				a.feed.push("event_received", s.Namespace(), s.ID(), []any{req.Event.Name, req.Payload}, timestamp())
			}
		}
		return next(ctx, s, req)
	}
}

// live reports whether the live updates are wanted: in development mode,
// while a UI is connected to this server or to another that asks this one
// for its statistics.
func (a *Admin) live() bool {
	return !a.cfg.Production && (a.loop.active() || a.feed.watchedElsewhere())
}
