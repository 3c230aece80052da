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
	for _, n := range s.Namespaces() {
		sp.Namespaces = append(sp.Namespaces, n.spec())
	}
	return sp
}

func (n *Namespace) spec() NamespaceSpec {
	ns := NamespaceSpec{Name: n.name, Description: n.description, Events: []EventSpec{}}
	for _, e := range n.order {
		d := e.desc
		es := EventSpec{
			Name: d.name, Summary: d.summary, Description: d.description, Deprecated: d.deprecated,
			Payload: d.in.raw, PayloadType: d.inType.String(),
		}
		if d.out != nil {
			es.Ack, es.AckType = d.out.raw, d.outType.String()
		}
		es.Annotations = annotations(maps.Values(d.values))
		if e.incoming {
			es.Direction = ClientToServer
			es.Errors = append(slices.Clone(coreCodes), d.errors...)
			slices.Sort(es.Errors)
			es.Errors = slices.Compact(es.Errors)
		} else {
			es.Direction = ServerToClient
			if d.out != nil {
				es.Errors = append([]Code{CodeTimeout}, d.errors...)
			}
		}
		ns.Events = append(ns.Events, es)
	}
	ns.Annotations = annotations(slices.Values(n.annotations))
	for _, r := range n.rooms {
		ns.Rooms = append(ns.Rooms, RoomSpec{Pattern: r.pattern, Params: r.params, Description: r.description})
	}
	return ns
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
