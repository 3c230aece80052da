package sioproto

// Binary attachments: in a BINARY_EVENT or BINARY_ACK, every binary value
// of the arguments is replaced by {"_placeholder":true,"num":n} and sent as
// the n-th binary message after the packet's text.

// Deconstruct returns v with every []byte (inside []any and map[string]any
// values, at any depth) replaced by its placeholder, and appends the
// attachments to atts in placeholder order. v itself is not modified.
func Deconstruct(v any, atts *[][]byte) any {
	switch x := v.(type) {
	case []byte:
		*atts = append(*atts, x)
		return map[string]any{"_placeholder": true, "num": len(*atts) - 1}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Deconstruct(e, atts)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Deconstruct(e, atts)
		}
		return out
	}
	return v
}

// HasBinary reports whether v holds a []byte (inside []any and
// map[string]any values).
func HasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	}
	return false
}

// Reconstruct replaces, in place, the placeholders of a decoded value with
// the attachments they number. A placeholder that numbers no attachment is
// invalid.
func Reconstruct(v any, atts [][]byte) (any, error) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			r, err := Reconstruct(e, atts)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	case map[string]any:
		if ph, _ := x["_placeholder"].(bool); ph {
			var num float64
			switch n := x["num"].(type) {
			case float64: // decoded JSON
				num = n
			case int: // from Deconstruct
				num = float64(n)
			default:
				return nil, invalid("placeholder %v", x["num"])
			}
			if num < 0 || num >= float64(len(atts)) || float64(int(num)) != num {
				return nil, invalid("placeholder %v", x["num"])
			}
			return atts[int(num)], nil
		}
		for k, e := range x {
			r, err := Reconstruct(e, atts)
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	}
	return v, nil
}
