package rtkit

import (
	"encoding/json"
	"fmt"

	"github.com/rtkit-go/rtkit/internal/schema"
)

// ValidatePayload checks data, the JSON of a payload as it travels, against
// the event's payload schema: the schema the server validates with, under
// the same rules (format assertion, nesting depth). It returns nil, or a
// VALIDATION_ERROR *Error with one detail per offending field — the answer
// the server would give. Clients call it before sending; it reflects and
// compiles the schemas on first use, and panics like registration does on a
// type that has no JSON Schema.
//
// It is safe for concurrent use.
func (e Event[In, Out]) ValidatePayload(data []byte) *Error {
	return e.check(data, false)
}

// ValidateAck checks data, the JSON of an acknowledgement's data, against
// the event's acknowledgement schema; an event whose Out is NoAck accepts
// only an empty object or nothing. See ValidatePayload.
func (e Event[In, Out]) ValidateAck(data []byte) *Error {
	return e.check(data, true)
}

func (e Event[In, Out]) check(data []byte, ack bool) *Error {
	if e.d == nil {
		panic("rtkit: Validate on the zero Event")
	}
	if err := e.d.schemas(); err != nil {
		panic(fmt.Sprintf("rtkit: event %s: %v", e.d.name, err))
	}
	ts := e.d.in
	if ack {
		if e.d.out == nil {
			if len(data) == 0 || string(data) == "{}" || string(data) == "null" {
				return nil
			}
			return &Error{Code: CodeValidation, Message: "invalid acknowledgement",
				Details: []ErrorDetail{{Message: "this event has no acknowledgement data"}}}
		}
		ts = e.d.out
	}
	return invalidPayload(ts.ValidateJSON(data))
}

// WirePayload returns data, the JSON of a payload of the event (as
// encoding/json writes it, a Binary as base64), as a Socket.IO client
// passes it to emit: data itself (a json.RawMessage) when the payload type
// has no Binary values, otherwise the parsed JSON with a []byte — sent as
// a binary attachment — at each Binary value. Go clients call it before
// emitting; it panics like ValidatePayload on a type without JSON Schema.
//
// It is safe for concurrent use.
func (e Event[In, Out]) WirePayload(data []byte) (any, error) {
	return e.wire(data, false)
}

// WireAck is WirePayload for the acknowledgement data a client answers a
// server → client event with.
func (e Event[In, Out]) WireAck(data []byte) (any, error) {
	return e.wire(data, true)
}

func (e Event[In, Out]) wire(data []byte, ack bool) (any, error) {
	if e.d == nil {
		panic("rtkit: Wire on the zero Event")
	}
	if err := e.d.schemas(); err != nil {
		panic(fmt.Sprintf("rtkit: event %s: %v", e.d.name, err))
	}
	ts := e.d.in
	if ack {
		ts = e.d.out
	}
	if ts == nil || !ts.HasBinary() || len(data) == 0 {
		return json.RawMessage(data), nil
	}
	v, err := attachments(ts, data)
	if err != nil {
		return nil, fmt.Errorf("rtkit: event %s: %w", e.d.name, err)
	}
	return v, nil
}

// Schema is a compiled JSON Schema of a payload, as [EventSpec.Payload] and
// [EventSpec.Ack] carry it: tools that read a [Spec] rather than Go types
// (command-line clients, gateways) validate with the server's rules through
// it. It is immutable and safe for concurrent use.
type Schema struct {
	ts *schema.Type
}

// CompileSchema compiles a JSON Schema document of a Spec with the rules the
// server validates with: draft 2020-12, formats asserted, date-time as
// time.Time accepts it.
func CompileSchema(doc json.RawMessage) (*Schema, error) {
	ts, err := schema.Compile(doc)
	if err != nil {
		return nil, fmt.Errorf("rtkit: compile schema: %w", err)
	}
	return &Schema{ts: ts}, nil
}

// Validate checks data, the JSON of a payload, and returns nil or a
// VALIDATION_ERROR *Error with one detail per offending field.
func (s *Schema) Validate(data []byte) *Error {
	return invalidPayload(s.ts.ValidateJSON(data))
}
