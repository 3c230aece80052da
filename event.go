package rtkit

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit/internal/schema"
)

// NoAck is the Out type of an event that is never acknowledged:
// Event[Notification, NoAck]. A client that still sends an acknowledgement
// callback for such an event gets {"success":true} once it has been handled.
type NoAck struct{}

var noAckType = reflect.TypeFor[NoAck]()

// reservedEvents cannot be registered and are refused when a client sends
// them: the Socket.IO protocol or the client libraries give them a meaning.
var reservedEvents = []string{
	"connect", "connect_error", "disconnect", "disconnecting",
	"error", "newListener", "removeListener",
}

// maxEventNameLen bounds declared event names (and, through that, what an
// unknown event's name may echo back).
const maxEventNameLen = 128

// eventNameRune reports whether r may appear in a declared event name.
func eventNameRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune(":_-./", r)
}

// Event is the contract of one Socket.IO event: its name, the Go type of its
// payload (In) and the Go type of its acknowledgement (Out, or NoAck).
//
// Events are values, usually package-level variables, shared by the code
// that handles them and the code that emits them. The same Event can be
// handled (client → server) on one namespace and emitted (server → client)
// on another: the registration says which way it flows.
//
// An Event is immutable and safe for concurrent use.
type Event[In, Out any] struct {
	d *eventDesc
}

// eventDesc is the untyped description behind an Event.
type eventDesc struct {
	name        string
	summary     string
	description string
	deprecated  string
	errors      []Code
	noOutbound  bool
	transient   bool          // NotReplayable: kept out of the recovery log
	maxBinary   int           // MaxBinarySize; 0: DefaultMaxBinarySize
	timeout     time.Duration // HandlerTimeout: 0 server default, < 0 none
	values      map[any]any

	inType, outType reflect.Type

	undeclared sync.Map // Code → struct{}: codes a handler returned undeclared, logged once
	nUndecl    atomic.Int32

	once      sync.Once
	in, out   *schema.Type
	schemaErr error
}

// NewEvent declares an event. It panics if name is empty, too long,
// reserved (connect, disconnect, error, …) or holds a character other than
// an ASCII letter, a digit or one of ":_-./" (so that names read the same in
// logs, URLs and the generated docs), since that is a programming error
// found at start-up.
//
// The JSON Schemas of In and Out are reflected and compiled the first time
// the event is registered with Handle or Emits.
func NewEvent[In, Out any](name string, opts ...EventOption) Event[In, Out] {
	if name == "" {
		panic("rtkit: NewEvent: empty event name")
	}
	if len(name) > maxEventNameLen {
		panic(fmt.Sprintf("rtkit: NewEvent: event name %.32q… longer than %d bytes", name, maxEventNameLen))
	}
	if slices.Contains(reservedEvents, name) {
		panic(fmt.Sprintf("rtkit: NewEvent: %q is a reserved event name", name))
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !eventNameRune(r) }); i >= 0 {
		panic(fmt.Sprintf("rtkit: NewEvent: event name %q: character %q not allowed (ASCII letters, digits and \":_-./\")", name, []rune(name[i:])[0]))
	}
	d := &eventDesc{
		name:    name,
		inType:  reflect.TypeFor[In](),
		outType: reflect.TypeFor[Out](),
	}
	for _, o := range opts {
		o.applyEvent(d)
	}
	return Event[In, Out]{d: d}
}

// Name returns the event name as it appears on the wire.
func (e Event[In, Out]) Name() string {
	if e.d == nil {
		return ""
	}
	return e.d.name
}

// schemas reflects and compiles the payload and ack schemas once.
func (d *eventDesc) schemas() error {
	d.once.Do(func() {
		limit := d.maxBinary
		if limit == 0 {
			limit = DefaultMaxBinarySize
		}
		if d.in, d.schemaErr = schema.Build(d.inType, binaryType, limit); d.schemaErr != nil {
			d.schemaErr = fmt.Errorf("payload: %w", d.schemaErr)
			return
		}
		if d.outType == noAckType {
			return
		}
		if d.out, d.schemaErr = schema.Build(d.outType, binaryType, limit); d.schemaErr != nil {
			d.schemaErr = fmt.Errorf("acknowledgement: %w", d.schemaErr)
			return
		}
	})
	return d.schemaErr
}

// maxUndeclared bounds the undeclared codes remembered per event.
const maxUndeclared = 32

// checkCode logs, once per code, a handler's *Error whose code the
// contract does not list, so that the docs can be completed with Errors.
// The client gets the error all the same.
func (d *eventDesc) checkCode(n *Namespace, err error, declared []Code) {
	var e *Error
	if !errors.As(err, &e) || slices.Contains(declared, e.Code) {
		return
	}
	if _, seen := d.undeclared.Load(e.Code); seen || d.nUndecl.Load() >= maxUndeclared {
		return // codes built from data must not grow the map without bound
	}
	if _, seen := d.undeclared.LoadOrStore(e.Code, struct{}{}); !seen {
		d.nUndecl.Add(1)
		n.srv.log.Warn("rtkit: handler returned an error code its event does not declare; add it with rtkit.Errors so that the docs list it",
			"namespace", n.name, "event", d.name, "code", string(e.Code))
	}
}

// EventOption configures an event declared with NewEvent.
type EventOption interface {
	applyEvent(*eventDesc)
}

type eventOptionFunc func(*eventDesc)

func (f eventOptionFunc) applyEvent(d *eventDesc) { f(d) }

// Summary sets the one-line summary shown in generated documentation.
func Summary(s string) EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.summary = s })
}

// Description sets the longer description shown in generated documentation.
func Description(s string) EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.description = s })
}

// Deprecated marks the event as deprecated, with a reason or replacement
// for client authors.
func Deprecated(reason string) EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.deprecated = reason })
}

// Errors lists the error codes a handler of this event may return, beyond
// the ones rtkit itself produces. They appear in the generated docs.
func Errors(codes ...Code) EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.errors = append(d.errors, codes...) })
}

// WithoutOutboundValidation turns off validation of what the server sends
// for this event (the acknowledgement of a handled event, the payload of an
// emitted one). Incoming payloads are always validated.
func WithoutOutboundValidation() EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.noOutbound = true })
}

// WithValue attaches a value to the event under key, for middleware and
// companion packages (a rate-limit cost, for example). Read it back with
// EventInfo.Value. Keys follow the context.WithValue conventions: use an
// unexported type.
func WithValue(key, value any) EventOption {
	return eventOptionFunc(func(d *eventDesc) {
		if d.values == nil {
			d.values = map[any]any{}
		}
		d.values[key] = value
	})
}

// EventInfo describes an incoming event to middleware. It is shared and
// read-only.
type EventInfo struct {
	// Namespace is the name of the namespace the event arrived on.
	Namespace string
	// Name is the event name the client sent.
	Name string
	// Declared is false for an event no handler is registered for; such an
	// event is answered with UNKNOWN_EVENT after the middleware has run.
	Declared bool

	desc *eventDesc
}

// Value returns the value attached to the event with WithValue, or nil.
func (i *EventInfo) Value(key any) any {
	if i.desc == nil {
		return nil
	}
	return i.desc.values[key]
}

// Summary returns the event's summary, if any.
func (i *EventInfo) Summary() string {
	if i.desc == nil {
		return ""
	}
	return i.desc.summary
}
