package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Decoding turns every message into JSON text first: MessagePack is
// transcoded (key order kept, integers exact), its binary values replaced
// by placeholder objects {KEY: N} whose N-th attachment holds the bytes.
// KEY is random per process, so that no sender can forge a placeholder.
// One JSON decoding then serves both encodings.

var binKey = func() string {
	var r [12]byte
	_, _ = rand.Read(r[:])
	return "\x00rtkit-bin-" + hex.EncodeToString(r[:])
}()

// decoded is a message as JSON text with its binary attachments.
type decoded struct {
	json []byte
	bins [][]byte
}

// toJSON returns b as JSON text: b itself when it is JSON (its first byte
// is '{' or '['), transcoded from MessagePack otherwise.
func toJSON(b []byte) (decoded, error) {
	if len(b) == 0 {
		return decoded{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if b[0] == '{' {
		return decoded{json: b}, nil
	}
	r := bytes.NewReader(b)
	t := transcoder{dec: msgpack.NewDecoder(r), src: b, r: r}
	out, err := t.value(make([]byte, 0, len(b)+len(b)/2), 0)
	if err != nil {
		return decoded{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return decoded{json: out, bins: t.bins}, nil
}

type transcoder struct {
	dec  *msgpack.Decoder
	src  []byte
	r    *bytes.Reader // what dec reads (unbuffered: it is an io.ByteScanner)
	bins [][]byte
}

// checkLength refuses a string, binary, array or map header whose length
// exceeds what is left of the message, before anything is allocated for
// it.
func (t *transcoder) checkLength(c byte) error {
	pos := len(t.src) - t.r.Len()
	var size int // bytes of the length field
	switch c {
	case msgpcode.Str8, msgpcode.Bin8:
		size = 1
	case msgpcode.Str16, msgpcode.Bin16, msgpcode.Array16, msgpcode.Map16:
		size = 2
	case msgpcode.Str32, msgpcode.Bin32, msgpcode.Array32, msgpcode.Map32:
		size = 4
	default:
		return nil
	}
	if pos+1+size > len(t.src) {
		return fmt.Errorf("truncated length")
	}
	n := 0
	for _, x := range t.src[pos+1 : pos+1+size] {
		n = n<<8 | int(x)
	}
	if n > len(t.src)-(pos+1+size) {
		return fmt.Errorf("length %d beyond the message", n)
	}
	return nil
}

func (t *transcoder) value(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	c, err := t.dec.PeekCode()
	if err != nil {
		return nil, err
	}
	if err := t.checkLength(c); err != nil {
		return nil, err
	}
	switch {
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := t.dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		b = append(b, '{')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			kc, err := t.dec.PeekCode()
			if err != nil {
				return nil, err
			}
			if !scalarKey(kc) {
				return nil, fmt.Errorf("map key of code %#x", kc)
			}
			if err := t.checkLength(kc); err != nil {
				return nil, err
			}
			k, err := t.dec.DecodeInterfaceLoose()
			if err != nil {
				return nil, err
			}
			switch k := k.(type) {
			case string:
				b = appendJSONString(b, k)
			case int64, uint64, float64:
				b = appendJSONString(b, fmt.Sprint(k))
			default:
				return nil, fmt.Errorf("map key of type %T", k)
			}
			b = append(b, ':')
			if b, err = t.value(b, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := t.dec.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		b = append(b, '[')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = t.value(b, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32:
		v, err := t.dec.DecodeBytes()
		if err != nil {
			return nil, err
		}
		b = append(appendJSONString(append(b, '{'), binKey), ':')
		b = append(strconv.AppendInt(b, int64(len(t.bins)), 10), '}')
		t.bins = append(t.bins, v)
		return b, nil
	}
	if msgpcode.IsExt(c) && !timestamp(c) {
		return nil, fmt.Errorf("extension type of code %#x", c)
	}
	v, err := t.dec.DecodeInterfaceLoose()
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return appendJSONString(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case float64:
		return appendJSONFloat(b, v), nil
	case time.Time: // notepack.io writes a Date as a timestamp
		return appendJSONString(b, v.UTC().Format("2006-01-02T15:04:05.000Z")), nil
	}
	return append(b, "null"...), nil // another extension type
}

// scalarKey reports whether a map key of code c is a string or a number:
// other keys are refused before they are decoded (a nested map as a key
// would be decoded whole, with the size its header claims).
func scalarKey(c byte) bool {
	switch {
	case msgpcode.IsString(c), msgpcode.IsFixedNum(c):
		return true
	}
	switch c {
	case msgpcode.Uint8, msgpcode.Uint16, msgpcode.Uint32, msgpcode.Uint64,
		msgpcode.Int8, msgpcode.Int16, msgpcode.Int32, msgpcode.Int64,
		msgpcode.Float, msgpcode.Double:
		return true
	}
	return false
}

// timestamp reports whether an extension of code c can be a timestamp
// (what notepack.io writes for a Date); other extensions are refused.
func timestamp(c byte) bool {
	return c == msgpcode.FixExt4 || c == msgpcode.FixExt8 || c == msgpcode.Ext8
}

func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...) // as JSON.stringify writes them
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// arg turns one JSON argument of a decoded message into an argument value:
// the JSON text itself without binary data, []byte for a placeholder,
// plain values with the attachments in place otherwise.
func (d decoded) arg(raw json.RawMessage) (any, error) {
	if len(d.bins) == 0 || !bytes.Contains(raw, []byte(binKey[1:])) {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return d.restore(v), nil
}

// restore replaces placeholders by their attachments and JSON numbers by
// int64, uint64 or float64.
func (d decoded) restore(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if n, ok := x[binKey].(json.Number); ok {
				if i, err := strconv.Atoi(string(n)); err == nil && i >= 0 && i < len(d.bins) {
					return d.bins[i]
				}
			}
		}
		for k, e := range x {
			x[k] = d.restore(e)
		}
	case []any:
		for i, e := range x {
			x[i] = d.restore(e)
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	}
	return v
}

// args decodes a JSON array of arguments.
func (d decoded) args(raw json.RawMessage) ([]any, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: arguments: %w", ErrMalformed, err)
	}
	out := make([]any, len(items))
	for i, it := range items {
		v, err := d.arg(it)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// plainJSON returns a JSON value with binary data as base64 strings (for
// handshakes and socket data, which rtkit keeps as JSON).
func (d decoded) plainJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	v, err := d.arg(raw)
	if err != nil {
		return nil, err
	}
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	return json.Marshal(v)
}

// rooms decodes a list of rooms. Node rooms may be numbers: they become
// their decimal text.
func rooms(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: rooms: %w", ErrMalformed, err)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(it, &n); err != nil {
			return nil, fmt.Errorf("%w: room %s", ErrMalformed, it)
		}
		out = append(out, n.String())
	}
	return out, nil
}
