package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// The one path between the wire and a payload type's Go values, used by
// every site of rtkit that sends or receives a typed value. Its rules:
//
//   - In: a value is checked for shape (checkShape), validated against
//     the type's compiled schema, then decoded into the Go type. JSON
//     bytes from another server are parsed first, as the Socket.IO parser
//     parses a client's. Every failure is an *Invalid (a VALIDATION_ERROR
//     for the client) with one detail per offending field, whoever sent
//     the value.
//   - Out: a Go value is encoded, its nil slices and maps zero-filled, and
//     validated when asked. A failure is the server's bug: a plain error
//     for the operator's log.

// Decode checks, validates and decodes one incoming payload, as the
// Socket.IO parser produced it (map[string]any, []any, string, float64,
// bool, nil; []byte for attachments), into dst, a settable value of the
// type. Every failure is an *Invalid the client may see.
func (ts *Type) Decode(v any, dst reflect.Value) *Invalid {
	var slots []binSlot
	if ts.bin != nil {
		// Attachments sit where the type has Binary values, and only
		// there (checkShape refuses the others); they are set aside
		// while the rest is validated.
		var e *Invalid
		w := v // take's copy escapes; v, without attachments, stays on the stack
		if slots, e = ts.bin.take(&w, ts.maxBinary); e != nil {
			return e
		}
		v = w
	}
	if e := checkShape(v); e != nil {
		return e
	}
	if v == nil && ts.empty {
		return nil // an event without payload: emit("ping", ack)
	}
	if e := ts.validate(v); e != nil {
		return e
	}
	if ts.empty {
		return nil
	}
	restore(slots)
	// The payload was decoded into map/slice/float64 by the Socket.IO
	// parser; the type's compiled decoder stores it into dst.
	if err := ts.decode(v, dst); err != nil {
		// The schema admitted something Go cannot hold (an integer beyond
		// int64, say): still the client's payload at fault.
		return &Invalid{Details: []Detail{{Message: "value does not fit the expected type"}}}
	}
	return nil
}

// DecodeJSON parses JSON bytes (none is no payload) and decodes them as
// Decode does.
func (ts *Type) DecodeJSON(raw json.RawMessage, dst reflect.Value) *Invalid {
	var v any
	if e := parseJSON(raw, &v); e != nil {
		return e
	}
	if ts.bin != nil {
		// Binary values cross servers as base64, as encoding/json
		// writes a []byte; from here on they are attachments.
		if e := ts.bin.fromJSON(&v); e != nil {
			return e
		}
	}
	return ts.Decode(v, dst)
}

// CheckJSON checks JSON bytes against the type without decoding them.
func (ts *Type) CheckJSON(raw json.RawMessage) *Invalid {
	var v any
	if e := parseJSON(raw, &v); e != nil {
		return e
	}
	if e := checkShape(v); e != nil {
		return e
	}
	return ts.validate(v)
}

func parseJSON(raw json.RawMessage, v *any) *Invalid {
	if len(raw) > 0 && json.Unmarshal(raw, v) != nil {
		return &Invalid{Details: []Detail{{Message: "not JSON"}}}
	}
	return nil
}

// ValidateJSON decodes data as the Socket.IO parser would and validates
// it: what a client checks before sending.
func (ts *Type) ValidateJSON(data []byte) *Invalid {
	var v any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &v); err != nil {
			return &Invalid{Details: []Detail{{Message: "not JSON: " + err.Error()}}}
		}
	}
	if e := checkShape(v); e != nil {
		return e
	}
	if v == nil && ts.empty {
		return nil
	}
	return ts.validate(v)
}

// Encode encodes an outgoing value and, when validate is set, checks it
// against its schema. A failure is the server's bug, reported as a plain
// error for the operator's log.
func (ts *Type) Encode(v any, validate bool) (json.RawMessage, error) {
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
	details []Detail
}

func (e *outboundError) Error() string {
	return fmt.Sprintf("rtkit: outgoing %s does not match its schema: %v", e.goType, e.details)
}

// Attach returns an encoded payload of the type as Socket.IO sends it: its
// JSON form parsed, with a []byte (an attachment) at each Binary value.
// Call it only when HasBinary is true. The error is an *Invalid for
// broken base64, a JSON syntax error otherwise.
func (ts *Type) Attach(raw json.RawMessage) (any, error) {
	return ts.bin.attach(raw)
}
