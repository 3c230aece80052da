package rtkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// The one path between the wire and an event's Go types, taken by every
// site that sends or receives a typed value: Handle (payload in, answer
// out), HandleServer (the same, from another server), Emit and the
// Publisher (payload out), EmitWithAck and EmitWithAcks (payload out,
// answers in) and EmitServers (payload out, answers in). Its rules:
//
//   - In: a value is checked for shape (checkShape), validated against
//     the type's compiled schema, then decoded into the Go type. JSON
//     bytes from another server are parsed first, as the Socket.IO parser
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
	b, err := encodePayload(c.d.out, out, outboundChecked(n, c.d))
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
	b, err := encodePayload(d.in, payload, outboundChecked(n, d))
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
func decodeJSON[T any](ts *typeSchema, raw json.RawMessage) (T, *Error) {
	var v any
	if e := parseJSON(raw, &v); e != nil {
		var zero T
		return zero, e
	}
	if ts.bin != nil {
		// Binary values cross servers as base64, as encoding/json
		// writes a []byte; from here on they are attachments.
		if e := ts.bin.fromJSON(&v); e != nil {
			var zero T
			return zero, e
		}
	}
	return decodePayload[T](ts, v)
}

// checkJSON checks JSON bytes against ts without decoding them.
func checkJSON(ts *typeSchema, raw json.RawMessage) *Error {
	var v any
	if e := parseJSON(raw, &v); e != nil {
		return e
	}
	if e := checkShape(v); e != nil {
		return e
	}
	return ts.validate(v)
}

func parseJSON(raw json.RawMessage, v *any) *Error {
	if len(raw) > 0 && json.Unmarshal(raw, v) != nil {
		return &Error{Code: CodeValidation, Message: "invalid payload", Details: []ErrorDetail{{Message: "not JSON"}}}
	}
	return nil
}

// decodePayload checks, validates and decodes one incoming payload into T.
// Every failure is a VALIDATION_ERROR the client may see.
func decodePayload[T any](ts *typeSchema, v any) (T, *Error) {
	var in T
	var slots []binSlot
	if ts.bin != nil {
		// Attachments sit where the type has Binary values, and only
		// there (checkShape refuses the others); they are set aside
		// while the rest is validated.
		var e *Error
		if slots, e = ts.bin.take(&v, ts.maxBinary); e != nil {
			return in, e
		}
	}
	if e := checkShape(v); e != nil {
		return in, e
	}
	if v == nil && ts.empty {
		return in, nil // an event without payload: emit("ping", ack)
	}
	if e := ts.validate(v); e != nil {
		return in, e
	}
	if ts.empty {
		return in, nil
	}
	restore(slots)
	// The payload was decoded into map/slice/float64 by the Socket.IO
	// parser; the type's compiled decoder stores it into In.
	if err := ts.decode(v, reflect.ValueOf(&in).Elem()); err != nil {
		// The schema admitted something Go cannot hold (an integer beyond
		// int64, say): still the client's payload at fault.
		return in, &Error{Code: CodeValidation, Message: "invalid payload", Details: []ErrorDetail{{Message: "value does not fit the expected type"}}}
	}
	return in, nil
}

// encodePayload encodes an outgoing value and, when validate is set,
// checks it against its schema. A failure is the server's bug, reported as
// a plain error for the operator's log.
func encodePayload(ts *typeSchema, v any, validate bool) (json.RawMessage, error) {
	if ts.constant != nil {
		return ts.constant, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ts.goType, err)
	}
	var generic any
	if ts.fill != nil && bytes.Contains(b, null) {
		// A nil slice or map went out as null; the schema says [] or {}.
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // keep integers beyond 2^53 exact
		if err := d.Decode(&generic); err != nil {
			return nil, fmt.Errorf("re-read %s: %w", ts.goType, err)
		}
		generic = ts.fill(generic)
		if b, err = json.Marshal(generic); err != nil {
			return nil, fmt.Errorf("encode %s: %w", ts.goType, err)
		}
	}
	if !validate && ts.bin == nil {
		return b, nil
	}
	if generic == nil {
		if err := json.Unmarshal(b, &generic); err != nil {
			return nil, fmt.Errorf("re-read %s: %w", ts.goType, err)
		}
	}
	if ts.bin != nil {
		if e := ts.bin.checkOut(generic, ts.maxBinary); e != nil {
			return nil, &outboundError{goType: ts.goType.String(), details: e.Details}
		}
	}
	if !validate {
		return b, nil
	}
	if e := ts.validate(generic); e != nil {
		return nil, &outboundError{goType: ts.goType.String(), details: e.Details}
	}
	return b, nil
}

var null = []byte("null")

// outboundError reports a value the server was about to send that does not
// match its own contract.
type outboundError struct {
	goType  string
	details []ErrorDetail
}

func (e *outboundError) Error() string {
	return fmt.Sprintf("rtkit: outgoing %s does not match its schema: %v", e.goType, e.details)
}
