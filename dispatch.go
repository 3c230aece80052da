package rtkit

import (
	"context"
	"encoding/json"
	"runtime/debug"
	"time"
)

// The namespace runtime: what a core (core.go) calls for the sockets of a
// namespace, in this order: admit at handshake, connected once the client
// has its CONNECT, receive per event, gone once.

// admit runs the connection middleware for a socket the core is
// connecting to n, then settles its rooms. It returns the socket, listed
// in n's sockets, or the error the client gets as connect_error. The core
// calls gone or abandon for every admitted socket.
func (n *Namespace) admit(raw socketCore, hs *Handshake) (*Socket, *Error) {
	srv := n.srv
	if srv.closing.Load() {
		return nil, NewError(CodeUnavailable, "server is shutting down")
	}
	ctx, cancel := context.WithCancelCause(srv.baseCtx)
	s := &Socket{raw: raw, ns: n, hs: hs, ctx: ctx, cancel: cancel}
	o := srv.obs
	if o != nil {
		s.ctx = o.HandshakeStart(ctx, s)
		ctx = s.ctx
	}
	for _, fn := range n.connectFns {
		c, err := n.runConnect(fn, s)
		if err != nil {
			cancel(err)
			if r := n.recovery; r != nil {
				r.abandon(raw.id())
			}
			pub, unexpected := publicError(err)
			if unexpected {
				srv.log.Error("rtkit: connection middleware failed", "namespace", n.name, "err", err)
			} else {
				srv.log.Debug("rtkit: connection refused", "namespace", n.name, "code", pub.Code, "err", err)
			}
			if o != nil {
				o.HandshakeEnd(ctx, s, pub)
			}
			return nil, pub
		}
		if c != nil {
			s.ctx = c
		}
	}
	// Rooms are settled before the client learns it is connected, so that
	// a broadcast to these rooms reaches the socket from the moment the
	// client can act on the connection.
	n.joinRooms(s)
	s.box.Run = func(ev incoming) { n.dispatch(s, ev) }
	s.box.Pool = &srv.workers
	if o != nil {
		s.box.Stamp = stampDepth // EventObservation.QueueDepth
	}
	n.sockets.Store(raw.id(), s) // listed (Health, Sockets) once the client can act
	if o != nil {
		o.HandshakeEnd(ctx, s, nil)
	}
	return s, nil
}

// abandon forgets an admitted socket whose connection closed before it
// was connected.
func (n *Namespace) abandon(s *Socket) {
	n.sockets.CompareAndDelete(s.ID(), s)
	s.cancel(ErrDisconnected)
	if r := n.recovery; r != nil {
		r.abandon(s.ID())
	}
}

// joinRooms settles the rooms of a socket that is connecting: for a
// recovered socket, the rooms it had that its ServerRooms give or the room
// policies still allow; then its ServerRooms and the auto-join rooms the
// policies allow. With rtkit's recovery the joins wait for the replay.
func (n *Namespace) joinRooms(s *Socket) {
	if r := n.recovery; r != nil {
		r.ensure() // the log delivers from before the client is connected
		if p := r.pending(s.ID()); p != nil && s.raw.recovered() {
			join, kept := n.connectRooms(s, p.rooms)
			r.prepare(p, join, append(kept, s.ID()))
			return // joined, with the replay, once connected
		}
	}
	var restored []string
	if s.raw.recovered() {
		restored = s.Rooms() // restored by the core itself
	}
	join, kept := n.connectRooms(s, restored)
	for _, room := range restored {
		if !containsString(kept, room) {
			s.raw.leave(room)
		}
	}
	if len(join) > 0 {
		s.raw.join(join...)
	}
}

func containsString(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func (n *Namespace) runConnect(fn ConnectFunc, s *Socket) (ctx context.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("rtkit: connection middleware panicked", "namespace", n.name,
				"panic", r, "stack", string(debug.Stack()))
			err = NewError(CodeInternal, internalMessage)
		}
	}()
	return fn(s.ctx, s)
}

// connectErrorData is the data of a connect_error: always non-nil, which
// the Go client needs to see the message at all.
func connectErrorData(e *Error) map[string]any {
	return map[string]any{"code": string(e.Code)}
}

// connected runs once the client has its CONNECT and the core routes the
// socket's events to receive: recovery first, then the connect hooks.
func (n *Namespace) connected(s *Socket) {
	if r := n.recovery; r != nil {
		r.connected(s)
	}
	for _, fn := range n.onConnect {
		n.safely("connect hook", func() { fn(s.ctx, s) })
	}
}

// receive queues an event of s on its mailbox, or answers at once when
// the mailbox is full or closed. The core calls it from the connection's
// reader, in arrival order.
func (n *Namespace) receive(s *Socket, ev incoming) {
	if n.srv.closing.Load() {
		n.srv.lastEvent.Store(time.Now().UnixNano())
	}
	ev.entry = n.handlers[ev.name]
	if n.runInline(s, ev) {
		return
	}
	if !s.box.Push(ev, int(n.srv.cfg.maxPending)) {
		if n.srv.obs != nil {
			ev.depth = int32(s.box.Depth()) + 1 // Push stamps queued events only
		}
		n.refuse(s, ev, errQueueFull(), RefusedQueueFull)
	}
}

// stampDepth records an event's queue depth on arrival, for the
// Observer (mailbox.Box.Stamp).
func stampDepth(ev *incoming, depth int) { ev.depth = int32(depth) }

// gone runs once when a connected socket disconnects, with the Socket.IO
// reason.
func (n *Namespace) gone(s *Socket, reason string) {
	if n.srv.closing.Load() && (reason == "forced close" || reason == "forced server close") {
		reason = "server shutting down"
	}
	// The DISCONNECT packet is written before the socket is closed on the
	// server's side: a quick client can close its transport in between,
	// and the reason would read as the client's doing.
	if s.disconnecting.Load() && reason == "transport close" {
		reason = "server namespace disconnect"
	}
	n.sockets.CompareAndDelete(s.ID(), s)
	s.box.Close()
	s.cancel(ErrDisconnected)
	s.timer.cut() // deadline.go
	for _, fn := range n.onDisconnect {
		n.safely("disconnect hook", func() { fn(s, reason) })
	}
	if o := n.srv.obs; o != nil {
		o.Disconnected(s, reason)
	}
}

func (n *Namespace) safely(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("rtkit: "+what+" panicked", "namespace", n.name, "panic", r,
				"stack", string(debug.Stack()))
		}
	}()
	fn()
}

// dispatch handles one incoming event on the socket's mailbox.
func (n *Namespace) dispatch(s *Socket, ev incoming) {
	if ev.run != nil {
		ev.run()
		return
	}
	args, parent, state := traceArg(ev.args)
	req := Request{HasAck: ev.ack != nil, args: args}
	if len(args) > 0 {
		req.Payload = args[0]
	}
	h, stuck := n.unknown, &n.unknownStuck
	if e := ev.entry; e != nil {
		req.Event, h, stuck = e.info, e.run, &e.stuck
	} else {
		req.Event = &EventInfo{Namespace: n.name, Name: ev.name}
	}
	var ob *obsStart
	if n.srv.obs != nil {
		ob = &obsStart{declared: req.Event.Declared, parent: parent, state: state}
	}
	run, rerr := n.begin(s, ev, &req, stuck, ob) // deadline.go
	if rerr != nil {
		if ob == nil {
			n.reply(s, ev.ack, ev.name, nil, rerr)
			return
		}
		var obs eventObs
		obs.begin(n, s, ev, *ob, n.refusal(rerr), monoNow())
		obs.report(n.reply(s, ev.ack, ev.name, nil, rerr))
		return
	}
	var panicked bool
	data, err := n.call(run, h, s, &run.req, &panicked)
	if !run.end(&err) {
		return // past its deadline: the client got TIMEOUT, the observer heard
	}
	code := n.answer(s, ev, &run.req, data, err)
	if run.obs != nil {
		run.obs.ob.Panicked = panicked
		run.obs.report(code)
	}
}

// answer sends the outcome of a handled event and returns the code the
// client got ("" on success).
func (n *Namespace) answer(s *Socket, ev incoming, req *Request, data json.RawMessage, err error) Code {
	if req.raw && err == nil {
		if ev.ack != nil {
			ev.ack.send(req.rawOut) // HandleRaw: the arguments as they are
		}
		return ""
	}
	if err == nil && ev.ack != nil {
		if args, ok := n.binaryAnswer(req.Event.desc, data); ok {
			ev.ack.send(args) // the answer's Binary values as attachments
			return ""
		}
	}
	return n.reply(s, ev.ack, req.Event.Name, data, err)
}

// refuse answers an event refused on arrival with e, and reports it to
// the observer as such.
func (n *Namespace) refuse(s *Socket, ev incoming, e *Error, why string) {
	if n.srv.obs == nil {
		n.reply(s, ev.ack, ev.name, nil, e)
		return
	}
	_, parent, state := traceArg(ev.args)
	declared := ev.entry != nil
	var obs eventObs
	obs.begin(n, s, ev, obsStart{declared: declared, parent: parent, state: state}, why, monoNow())
	obs.report(n.reply(s, ev.ack, ev.name, nil, e))
}

// eventName cuts a client's event name to maxEventNameLen.
func eventName(name string) string {
	if len(name) > maxEventNameLen {
		return name[:maxEventNameLen]
	}
	return name
}

// call runs h under ctx and turns a panic into INTERNAL, setting
// *panicked.
func (n *Namespace) call(ctx context.Context, h HandlerFunc, s *Socket, req *Request, panicked *bool) (data json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			*panicked = true
			n.srv.log.Error("rtkit: handler panicked", "namespace", n.name, "event", req.Event.Name,
				"socket", s.ID(), "panic", r, "stack", string(debug.Stack()))
			data, err = nil, NewError(CodeInternal, internalMessage)
		}
	}()
	return h(ctx, s, req)
}

var (
	successPrefix = []byte(`{"success":true,"data":`)
	successEmpty  = json.RawMessage(`{"success":true}`)
)

type failureEnvelope struct {
	Success bool      `json:"success"`
	Error   wireError `json:"error"`
}

// reply sends the outcome of one event: the acknowledgement envelope when
// the client asked for one, otherwise the "error" event on failure. It
// returns the code the client got ("" on success).
func (n *Namespace) reply(s *Socket, ack ackSender, event string, data json.RawMessage, err error) Code {
	if err == nil {
		if ack != nil {
			ack.success(data)
		}
		return ""
	}
	pub, unexpected := publicError(err)
	if unexpected {
		n.srv.log.Error("rtkit: handler failed", "namespace", n.name, "event", event,
			"socket", s.ID(), "err", err)
	}
	if ack != nil {
		ack.send([]any{failureEnvelope{Error: pub.wire("")}})
	} else {
		// Not an application event: recovery neither stores nor replays
		// it (a flooding client would turn that into memory).
		s.raw.send([]any{"error", pub.wire(event)})
	}
	if pub.Disconnect {
		s.Disconnect()
	}
	return pub.Code
}
