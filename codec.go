package rtkit

import (
	"encoding/json"
	"errors"
	"reflect"

	"github.com/rtkit-go/rtkit/internal/schema"
)

// The one path between the wire and an event's Go types, taken by every
// site that sends or receives a typed value: Handle (payload in, answer
// out), HandleServer (the same, from another server), Emit and the
// Publisher (payload out), EmitWithAck and EmitWithAcks (payload out,
// answers in) and EmitServers (payload out, answers in). Its rules:
//
//   - In: a value is checked for shape (nesting depth, JSON values only),
//     validated against the type's compiled schema, then decoded into the
//     Go type, all by internal/schema. JSON bytes from another server are parsed first, as the Socket.IO parser
//     parses a client's. Every failure is a VALIDATION_ERROR with one
//     detail per offending field, whoever sent the value.
//   - Out: a Go value is encoded, its nil slices and maps zero-filled, and
//     validated unless outbound validation is off for the event
//     (WithoutOutboundValidation) or the server (WithOutboundValidation). A
//     failure is the server's bug: logged, and a plain error for the
//     caller (INTERNAL when the value was a handler's answer).

// codec is an event's typed face of that path. It holds nothing but the
// event, so making one is free; the schemas are compiled once, when the
// event is registered or first emitted.
type codec[In, Out any] struct{ d *eventDesc }

// payload decodes a payload parsed from the wire.
func (c codec[In, Out]) payload(v any) (In, *Error) { return decodePayload[In](c.d.in, v) }

// payloadJSON decodes a payload another server sent.
func (c codec[In, Out]) payloadJSON(raw json.RawMessage) (In, *Error) {
	return decodeJSON[In](c.d.in, raw)
}

// answer decodes an acknowledgement parsed from the wire.
func (c codec[In, Out]) answer(v any) (Out, *Error) { return decodePayload[Out](c.d.out, v) }

// answerJSON decodes an acknowledgement another server relayed.
func (c codec[In, Out]) answerJSON(raw json.RawMessage) (Out, *Error) {
	return decodeJSON[Out](c.d.out, raw)
}

// encodeAnswer encodes a handler's answer for the acknowledgement; a value
// that breaks its contract is logged and becomes INTERNAL.
func (c codec[In, Out]) encodeAnswer(n *Namespace, out Out) (json.RawMessage, error) {
	b, err := c.d.out.Encode(out, outboundChecked(n, c.d))
	if err != nil {
		n.srv.log.Error("rtkit: handler returned an acknowledgement that breaks its contract",
			"namespace", n.name, "event", c.d.name, "err", err)
		return nil, &Error{Code: CodeInternal, Message: internalMessage, cause: err}
	}
	return b, nil
}

// encodeOutgoing encodes a payload this server sends (to clients or to
// other servers); a value that breaks its contract is logged.
func encodeOutgoing(n *Namespace, d *eventDesc, payload any) (json.RawMessage, error) {
	b, err := d.in.Encode(payload, outboundChecked(n, d))
	if err != nil && n.srv != nil {
		n.srv.log.Error("rtkit: emitted payload breaks its contract", "namespace", n.name, "event", d.name, "err", err)
	}
	return b, err
}

// outboundChecked reports whether what n sends for d is validated: unless
// the event or the server (when n is mounted) turned it off.
func outboundChecked(n *Namespace, d *eventDesc) bool {
	return !d.noOutbound && (n.srv == nil || !n.srv.cfg.noOutbound)
}

// decodeJSON parses JSON bytes (none is no payload) and decodes them as
// decodePayload does.
func decodeJSON[T any](ts *schema.Type, raw json.RawMessage) (T, *Error) {
	var v T
	if e := ts.DecodeJSON(raw, reflect.ValueOf(&v).Elem()); e != nil {
		return v, invalidPayload(e)
	}
	return v, nil
}

// checkJSON checks JSON bytes against ts without decoding them.
func checkJSON(ts *schema.Type, raw json.RawMessage) *Error {
	return invalidPayload(ts.CheckJSON(raw))
}

// decodePayload checks, validates and decodes one incoming payload into T.
// Every failure is a VALIDATION_ERROR the client may see.
func decodePayload[T any](ts *schema.Type, v any) (T, *Error) {
	var in T
	if e := ts.Decode(v, reflect.ValueOf(&in).Elem()); e != nil {
		return in, invalidPayload(e)
	}
	return in, nil
}

// invalidPayload turns a payload that breaks its contract into the
// VALIDATION_ERROR the client gets (nil for nil).
func invalidPayload(e *schema.Invalid) *Error {
	if e == nil {
		return nil
	}
	var details []ErrorDetail
	if e.Details != nil {
		details = make([]ErrorDetail, len(e.Details))
		for i, d := range e.Details {
			details[i] = ErrorDetail{Path: d.Path, Message: d.Message}
		}
	}
	return &Error{Code: CodeValidation, Message: "invalid payload", Details: details}
}

// attachments returns an encoded payload of ts, which has Binary values,
// as Socket.IO sends it (see schema.Type.Attach); broken base64 is a
// VALIDATION_ERROR.
func attachments(ts *schema.Type, raw json.RawMessage) (any, error) {
	v, err := ts.Attach(raw)
	var inv *schema.Invalid
	if errors.As(err, &inv) {
		return nil, invalidPayload(inv)
	}
	return v, err
}
