package rtkit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Namespace is a Socket.IO namespace with typed events. Build it once at
// start-up (NewNamespace, Handle, Emits, room options), then Mount it on a
// Server. Registration is not safe for concurrent use and must finish
// before Mount; everything else (emits, socket operations) is.
type Namespace struct {
	name        string
	description string

	handlers  map[string]*handlerEntry
	emits     map[string]*eventDesc
	order     []specEntry // registration order, for Spec
	rooms     []*roomPolicy
	autoJoins []autoJoin
	// serverRooms are joined without room policies (ServerRooms).
	serverRooms []autoJoin
	connectFns  []ConnectFunc
	middleware  []Middleware

	onConnect    []func(context.Context, *Socket)
	onDisconnect []func(*Socket, string)
	onChange     []func(*Socket, SocketChange)
	setups       []func(*Namespace)
	annotations  []any

	serverHandlers map[string]serverHandler // HandleServer (serverevent.go)

	// set by Mount
	srv      *Server
	core     namespaceCore
	recovery *recovery // nil when recovery is off
	// remote reaches the other servers (cluster_remote.go).
	remote      NamespaceAdapter
	remoteFails remoteFailures
	unknown     HandlerFunc
	// unknownStuck counts overdue handlers of unknown events.
	unknownStuck atomic.Int32
	sockets      sync.Map // socket id → *Socket, admitted and connected sockets
}

type specEntry struct {
	desc     *eventDesc
	incoming bool
}

type handlerEntry struct {
	info  *EventInfo
	typed HandlerFunc // validate, decode, call, encode
	run   HandlerFunc // typed wrapped in middleware, set by Mount
	// stuck counts the event's handlers past their deadline.
	stuck atomic.Int32
}

// NewNamespace returns a namespace named name ("/notifications"). It panics
// if the name does not start with "/".
func NewNamespace(name string, opts ...NamespaceOption) *Namespace {
	if !strings.HasPrefix(name, "/") {
		panic(fmt.Sprintf("rtkit: NewNamespace: name %q must start with \"/\"", name))
	}
	n := &Namespace{
		name:     name,
		handlers: map[string]*handlerEntry{},
		emits:    map[string]*eventDesc{},
	}
	for _, o := range opts {
		o.applyNamespace(n)
	}
	for _, fn := range n.setups {
		fn(n)
	}
	n.setups = nil
	return n
}

// mount wires n into srv. Called once by Server.Mount.
func (n *Namespace) mount(srv *Server) {
	if len(srv.cfg.nsOptions) > 0 {
		// Server-wide options apply first, in the order given: collect
		// what they add on a scratch namespace, then put it in front.
		tmp := &Namespace{name: n.name}
		for _, o := range srv.cfg.nsOptions {
			o.applyNamespace(tmp)
		}
		n.connectFns = append(tmp.connectFns, n.connectFns...)
		n.middleware = append(tmp.middleware, n.middleware...)
		n.onConnect = append(tmp.onConnect, n.onConnect...)
		n.onDisconnect = append(tmp.onDisconnect, n.onDisconnect...)
		n.onChange = append(tmp.onChange, n.onChange...)
		n.autoJoins = append(tmp.autoJoins, n.autoJoins...)
		n.serverRooms = append(tmp.serverRooms, n.serverRooms...)
		n.annotations = append(tmp.annotations, n.annotations...)
		n.rooms = append(n.rooms, tmp.rooms...) // the namespace's own patterns match first
		if n.description == "" {
			n.description = tmp.description
		}
		for _, fn := range tmp.setups {
			fn(n) // may Handle and Emits: n is not mounted yet
		}
	}
	n.srv = srv
	for _, h := range n.handlers {
		h.run = chain(h.typed, n.middleware)
	}
	n.unknown = chain(func(context.Context, *Socket, *Request) (json.RawMessage, error) {
		return nil, NewError(CodeUnknownEvent, "unknown event")
	}, n.middleware)
	if !srv.cfg.recoveryOff {
		n.recovery = newRecovery(n)
	}
	n.core = srv.core.mount(n)
	n.openRemote(srv)
}

// Name returns the namespace name.
func (n *Namespace) Name() string { return n.name }

func (n *Namespace) panicf(format string, args ...any) {
	panic(fmt.Sprintf("rtkit: namespace %s: "+format, append([]any{n.name}, args...)...))
}

// register checks what Handle and Emits have in common.
func (n *Namespace) register(d *eventDesc, verb string) {
	if d == nil {
		n.panicf("%s: zero Event (declare it with NewEvent)", verb)
	}
	if n.srv != nil {
		n.panicf("event %s: %s after Mount", d.name, verb)
	}
	if err := d.schemas(); err != nil {
		n.panicf("event %s: %v", d.name, err)
	}
}

// Handle registers the handler of a client → server event. The payload is
// validated against In's schema and decoded before fn runs; fn's Out is
// validated (unless turned off) and sent as {"success":true,"data":Out} to
// a client that asked for an acknowledgement. An error from fn is sent as
// {"success":false,"error":{…}}, or as the "error" event when the client
// asked for no acknowledgement.
//
// Handlers of one socket run one at a time, in arrival order; ctx is
// cancelled when the socket disconnects. Handle panics if the event is
// already handled on n, if its types cannot be described by a JSON Schema,
// or if n is already mounted.
func Handle[In, Out any](n *Namespace, ev Event[In, Out], fn func(ctx context.Context, s *Socket, in In) (Out, error)) {
	n.register(ev.d, "Handle")
	d := ev.d
	if _, dup := n.handlers[d.name]; dup {
		n.panicf("event %s registered twice", d.name)
	}
	if fn == nil {
		n.panicf("event %s: nil handler", d.name)
	}
	info := &EventInfo{Namespace: n.name, Name: d.name, Declared: true, desc: d}
	n.handlers[d.name] = &handlerEntry{info: info, typed: typedHandler(n, d, fn)}
	n.order = append(n.order, specEntry{desc: d, incoming: true})
}

// Emits declares a server → client event on n: Emit and EmitWithAck accept
// it for this namespace only, and the docs list it. It panics if the event
// is already declared on n, if its types cannot be described by a JSON
// Schema, or if n is already mounted.
func Emits[In, Out any](n *Namespace, ev Event[In, Out]) {
	n.register(ev.d, "Emits")
	if _, dup := n.emits[ev.d.name]; dup {
		n.panicf("event %s declared twice with Emits", ev.d.name)
	}
	n.emits[ev.d.name] = ev.d
	n.order = append(n.order, specEntry{desc: ev.d, incoming: false})
}

// typedHandler wraps fn once into the untyped form.
func typedHandler[In, Out any](n *Namespace, d *eventDesc, fn func(context.Context, *Socket, In) (Out, error)) HandlerFunc {
	declared := n.eventCodes(d)
	c := codec[In, Out]{d}
	return func(ctx context.Context, s *Socket, req *Request) (json.RawMessage, error) {
		if len(req.args) > 1 {
			return nil, &Error{Code: CodeValidation, Message: "invalid payload",
				Details: []ErrorDetail{{Message: fmt.Sprintf("expected one payload argument, got %d", len(req.args))}}}
		}
		in, verr := c.payload(req.Payload)
		if verr != nil {
			return nil, verr
		}
		out, err := fn(ctx, s, in)
		if err != nil {
			d.checkCode(n, err, declared)
			return nil, err
		}
		if d.out == nil { // NoAck
			return nil, nil
		}
		return c.encodeAnswer(n, out)
	}
}
