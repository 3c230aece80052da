package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// The MessagePack writer: what notepack.io reads. Lengths and integers use
// the smallest form, as notepack.io writes them.

// maxDepth bounds the nesting of a value, in both directions: deeper
// input is refused rather than recursed into.
const maxDepth = 256

func appendNil(b []byte) []byte { return append(b, 0xc0) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v < 0x80:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return append(b, 0xcd, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(b, 0xce, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, 0xcf, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return append(b, 0xd1, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		return append(b, 0xd2, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, 0xd3, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return appendInt(b, int64(f)) // as notepack.io: whole numbers are integers
	}
	u := math.Float64bits(f)
	return append(b, 0xcb, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func appendStrHeader(b []byte, n int) []byte {
	switch {
	case n < 32:
		return append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		return append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xda, byte(n>>8), byte(n))
	}
	return append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendString(b []byte, s string) []byte {
	return append(appendStrHeader(b, len(s)), s...)
}

func appendBin(b []byte, v []byte) []byte {
	n := len(v)
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = append(b, 0xc5, byte(n>>8), byte(n))
	default:
		b = append(b, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, v...)
}

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	return append(b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendStrings(b []byte, ss []string) []byte {
	b = appendArrayHeader(b, len(ss))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// appendValue appends v (see the package documentation for the kinds of
// values) as MessagePack.
func appendValue(b []byte, v any) ([]byte, error) { return appendValueDepth(b, v, 0) }

func appendValueDepth(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("wire: value nested deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return appendNil(b), nil
	case json.RawMessage:
		return appendJSON(b, x)
	case []byte:
		return appendBin(b, x), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return appendBool(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case uint64:
		return appendUint(b, x), nil
	case uint32:
		return appendUint(b, uint64(x)), nil
	case float64:
		return appendFloat(b, x), nil
	case json.Number:
		return appendNumber(b, string(x)), nil
	case []string:
		return appendStrings(b, x), nil
	case []any:
		b = appendArrayHeader(b, len(x))
		for _, e := range x {
			var err error
			if b, err = appendValueDepth(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = appendMapHeader(b, len(keys))
		for _, k := range keys {
			b = appendString(b, k)
			var err error
			if b, err = appendValueDepth(b, x[k], depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	// Any other Go value: as encoding/json would write it.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("wire: %T: %w", v, err)
	}
	return appendJSON(b, raw)
}

// appendNumber appends a JSON number: an integer when it is one that
// int64 or uint64 holds, a float64 otherwise.
func appendNumber(b []byte, n string) []byte {
	if i, err := strconv.ParseInt(n, 10, 64); err == nil {
		return appendInt(b, i)
	}
	if u, err := strconv.ParseUint(n, 10, 64); err == nil {
		return appendUint(b, u)
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil && !math.IsInf(f, 0) {
		return appendNil(b)
	}
	if math.IsInf(f, 0) {
		return appendNil(b) // as JSON.stringify writes an infinite number
	}
	u := math.Float64bits(f)
	return append(b, 0xcb, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

// appendJSON appends JSON text as MessagePack, keeping the order of object
// keys and integers exact.
func appendJSON(b []byte, raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	b, err := appendJSONToken(b, d, 0)
	if err != nil {
		return nil, fmt.Errorf("wire: payload is not JSON: %w", err)
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("wire: payload is not one JSON value")
	}
	return b, nil
}

func appendJSONToken(b []byte, d *json.Decoder, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return appendNil(b), nil
	case bool:
		return appendBool(b, t), nil
	case string:
		return appendString(b, t), nil
	case json.Number:
		return appendNumber(b, string(t)), nil
	case json.Delim:
		var body []byte
		n := 0
		for d.More() {
			if t == '{' {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				body = appendString(body, k.(string))
			}
			if body, err = appendJSONToken(body, d, depth+1); err != nil {
				return nil, err
			}
			n++
		}
		if _, err := d.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if t == '{' {
			b = appendMapHeader(b, n)
		} else {
			b = appendArrayHeader(b, n)
		}
		return append(b, body...), nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
