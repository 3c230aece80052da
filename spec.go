package rtkit

import (
	"encoding/json"
	"iter"
	"maps"
	"slices"
)

// Direction says which way an event flows.
type Direction string

// The two directions of an event.
const (
	ClientToServer Direction = "client-to-server"
	ServerToClient Direction = "server-to-client"
)

// Spec is the whole contract of a server: what documentation generators
// (Markdown, JSON Schema, AsyncAPI, TypeScript) and breaking-change checks
// read. It is plain data, stable in order, and encodes to JSON.
type Spec struct {
	// Path is the Socket.IO endpoint path.
	Path string `json:"path"`
	// Namespaces in mount order.
	Namespaces []NamespaceSpec `json:"namespaces"`
	// ErrorCodes lists the codes rtkit itself produces.
	ErrorCodes []Code `json:"errorCodes"`
	// Recovery describes connection state recovery; nil when it is off.
	// With it on, every namespace declares the server → client events
	// "rtkit:resync" and "rtkit:offset", and the events that carry their
	// offset as a trailing argument have Offset set.
	Recovery *RecoverySpec `json:"recovery,omitempty"`
}

// RecoverySpec describes connection state recovery as a client sees it
// (see the package documentation, "Connection state recovery").
type RecoverySpec struct {
	// WindowMs is how long, in milliseconds, the server keeps the session
	// and the missed events of a client that lost its connection.
	WindowMs int64 `json:"windowMs"`
}

// NamespaceSpec describes one namespace.
type NamespaceSpec struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Events      []EventSpec `json:"events"`
	Rooms       []RoomSpec  `json:"rooms,omitempty"`
	// Annotations holds what companion packages declare about the whole
	// namespace (authentication, rate limits), keyed by a name of theirs.
	Annotations map[string]any `json:"annotations,omitempty"`
}

// EventSpec describes one event in one direction.
type EventSpec struct {
	Name        string    `json:"name"`
	Direction   Direction `json:"direction"`
	Summary     string    `json:"summary,omitempty"`
	Description string    `json:"description,omitempty"`
	Deprecated  string    `json:"deprecated,omitempty"`
	// Payload is the JSON Schema (2020-12) of the payload.
	Payload json.RawMessage `json:"payload"`
	// Ack is the JSON Schema of the acknowledgement data; nil for NoAck.
	Ack json.RawMessage `json:"ack,omitempty"`
	// Errors lists the codes a client may receive for this event.
	Errors []Code `json:"errors,omitempty"`
	// TimeoutMs is the deadline of the event's handler, for a client →
	// server event that has one (WithHandlerTimeout, HandlerTimeout): the
	// client gets TIMEOUT when the handler has not answered by then.
	TimeoutMs int64 `json:"timeoutMs,omitempty"`
	// Offset is set for a server → client event that carries its offset
	// in the delivery log, a string, as a trailing argument after the
	// payload (with recovery on; when the log could not take the event,
	// the argument is missing). A client keeps the last offset it saw to
	// recover; socket.io-client does that by itself.
	Offset bool `json:"offset,omitempty"`
	// MaxBinarySize is set for an event whose payload or acknowledgement
	// has Binary values (x-rtkit-binary in the schemas: Socket.IO binary
	// attachments): the largest total size, in bytes, of those of one
	// payload (MaxBinarySize).
	MaxBinarySize int `json:"maxBinarySize,omitempty"`
	// PayloadType and AckType name the Go types, for generators.
	PayloadType string `json:"payloadType"`
	AckType     string `json:"ackType,omitempty"`
	// Annotations holds what companion packages declare about the event
	// (a rate-limit cost, a required role), keyed by a name of theirs.
	Annotations map[string]any `json:"annotations,omitempty"`
}

// SpecAnnotator is implemented by values attached with WithValue (to an
// event) or WithAnnotation (to a namespace) that should appear in Spec.
type SpecAnnotator interface {
	// SpecAnnotation returns the key and the JSON-encodable value under
	// which the value appears in the Annotations of the spec.
	SpecAnnotation() (key string, value any)
}

// SpecErrorCoder is implemented by values attached with WithValue (to an
// event) or WithAnnotation (to a namespace) whose middleware answers events
// with error codes of its own (a role check's FORBIDDEN): the codes join
// the Errors of the event, or of every client → server event of the
// namespace, in the spec and the generated docs.
type SpecErrorCoder interface {
	SpecErrorCodes() []Code
}

// RoomSpec describes one room policy.
type RoomSpec struct {
	Pattern     string   `json:"pattern"`
	Params      []string `json:"params,omitempty"`
	Description string   `json:"description,omitempty"`
}

// coreCodes are the codes every handled event can answer with.
var coreCodes = []Code{CodeValidation, CodeUnknownEvent, CodeRateLimited, CodeUnavailable, CodeInternal}

// Spec returns the contract of every mounted namespace.
func (s *Server) Spec() Spec {
	sp := Spec{
		Path: s.cfg.path,
		ErrorCodes: []Code{CodeValidation, CodeUnauthorized, CodeForbidden, CodeNotFound,
			CodeRateLimited, CodeUnknownEvent, CodeTimeout, CodeUnavailable, CodeInternal},
	}
	if !s.cfg.recoveryOff {
		sp.Recovery = &RecoverySpec{WindowMs: s.cfg.recovery.Milliseconds()}
	}
	for _, n := range s.Namespaces() {
		sp.Namespaces = append(sp.Namespaces, n.spec(sp.Recovery != nil))
	}
	return sp
}

// Offset is a position in a namespace's delivery log, as clients see it:
// an opaque string (see the package documentation, "Connection state
// recovery").
type Offset string

// OffsetEvent ("rtkit:offset") moves a client's recovery offset without an
// event: its only argument is the offset, a string. The server sends it
// after a replay and, a few times per recovery window, to connected clients
// that received nothing while events went to other rooms. It is declared
// on every namespace when recovery is on; clients never emit it.
var OffsetEvent = NewEvent[Offset, NoAck](offsetEvent,
	Summary("The client's recovery offset moved: keep it for reconnecting"),
	Description("Its only argument is the offset in the server's delivery log. socket.io-client keeps "+
		"it by itself (as it keeps the trailing offset argument of other events) and sends it back "+
		"when it reconnects, to get exactly the events it missed."))

// recoveryEvents are the events a namespace declares by itself when
// recovery is on.
var recoveryEvents = []*eventDesc{ResyncEvent.d, OffsetEvent.d}

func (n *Namespace) spec(recovery bool) NamespaceSpec {
	ns := NamespaceSpec{Name: n.name, Description: n.description, Events: []EventSpec{}}
	for _, e := range n.order {
		d := e.desc
		es := EventSpec{
			Name: d.name, Summary: d.summary, Description: d.description, Deprecated: d.deprecated,
			Payload: d.in.Raw(), PayloadType: d.inType.String(),
		}
		if d.out != nil {
			es.Ack, es.AckType = d.out.Raw(), d.outType.String()
		}
		if d.in.HasBinary() || (d.out != nil && d.out.HasBinary()) {
			es.MaxBinarySize = d.in.MaxBinary()
		}
		es.Annotations = annotations(maps.Values(d.values))
		if e.incoming {
			es.Direction = ClientToServer
			es.Errors = n.eventCodes(d)
			if t := n.srv.handlerTimeout(d); t > 0 {
				es.TimeoutMs = t.Milliseconds()
				es.Errors = append(es.Errors, CodeTimeout)
				slices.Sort(es.Errors)
				es.Errors = slices.Compact(es.Errors)
			}
		} else {
			es.Direction = ServerToClient
			if d.out != nil {
				es.Errors = append([]Code{CodeTimeout}, d.errors...)
			}
			es.Offset = recovery && d.out == nil && !d.transient && d != OffsetEvent.d
		}
		ns.Events = append(ns.Events, es)
	}
	if recovery {
		for _, d := range recoveryEvents {
			if _, declared := n.emits[d.name]; declared {
				continue
			}
			if err := d.schemas(); err != nil {
				panic("rtkit: " + d.name + ": " + err.Error()) // rtkit's own types
			}
			ns.Events = append(ns.Events, EventSpec{Name: d.name, Direction: ServerToClient,
				Summary: d.summary, Description: d.description,
				Payload: d.in.Raw(), PayloadType: d.inType.String(), Offset: d == ResyncEvent.d})
		}
	}
	ns.Annotations = annotations(slices.Values(n.annotations))
	for _, r := range n.rooms {
		ns.Rooms = append(ns.Rooms, RoomSpec{Pattern: r.pattern, Params: r.params, Description: r.description})
	}
	return ns
}

// eventCodes lists, sorted, the codes a client may receive for a handled
// event: rtkit's own, the ones declared with Errors, and the ones the
// event's values and the namespace's annotations add (SpecErrorCoder).
func (n *Namespace) eventCodes(d *eventDesc) []Code {
	codes := append(slices.Clone(coreCodes), d.errors...)
	for _, v := range slices.Concat(slices.Collect(maps.Values(d.values)), n.annotations) {
		if c, ok := v.(SpecErrorCoder); ok {
			codes = append(codes, c.SpecErrorCodes()...)
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func annotations(values iter.Seq[any]) map[string]any {
	var out map[string]any
	for v := range values {
		if a, ok := v.(SpecAnnotator); ok {
			if out == nil {
				out = map[string]any{}
			}
			k, val := a.SpecAnnotation()
			out[k] = val
		}
	}
	return out
}
