package rtkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// decodePayload checks, validates and decodes one incoming payload into In.
// Every failure is a VALIDATION_ERROR the client may see.
func decodePayload[In any](ts *typeSchema, v any) (In, *Error) {
	var in In
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
	if !validate {
		return b, nil
	}
	if generic == nil {
		if err := json.Unmarshal(b, &generic); err != nil {
			return nil, fmt.Errorf("re-read %s: %w", ts.goType, err)
		}
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
