package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// binNode is where the Binary values of one Go type sit in its JSON form
// (map[string]any, []any): compiled once per payload type, at
// registration, so that each message walks only the paths that can hold
// binary data. A nil *binNode means "no Binary below".
type binNode struct {
	leaf   bool       // a Binary value
	fields []binField // struct: the fields that hold Binary values, in Go order
	elem   *binNode   // slice, array or map: every element
}

// binField is a struct field that holds Binary values.
type binField struct {
	name string // as in JSON
	node *binNode
}

// compileBinPlan returns the plan of t, or nil when no value of t holds a
// Binary.
func compileBinPlan(t, binary reflect.Type) *binNode {
	return buildBinNode(t, binary, map[reflect.Type]*binNode{})
}

func buildBinNode(t, binary reflect.Type, seen map[reflect.Type]*binNode) *binNode {
	if !holdsBinary(t, binary, map[reflect.Type]bool{}) {
		return nil
	}
	if t != binary && t.Kind() == reflect.Pointer {
		return buildBinNode(t.Elem(), binary, seen) // null, or the element's JSON
	}
	if n, ok := seen[t]; ok {
		return n // a type that contains itself: the same node
	}
	n := &binNode{}
	seen[t] = n
	switch {
	case t == binary:
		n.leaf = true
	case t.Kind() == reflect.Struct:
		n.fields = []binField{} // not nil: a struct, even if its Binary fields are all behind cycles
		for _, f := range jsonFields(t) {
			if c := buildBinNode(f.field.Type, binary, seen); c != nil {
				n.fields = append(n.fields, binField{f.name, c})
			}
		}
	default: // slice, array, map
		n.elem = buildBinNode(t.Elem(), binary, seen)
	}
	return n
}

// holdsBinary reports whether a value of t can hold a Binary that
// encoding/json writes as part of t's own JSON.
func holdsBinary(t, binary reflect.Type, visiting map[reflect.Type]bool) bool {
	if t == binary {
		return true
	}
	if visiting[t] || customJSON(t) {
		return false
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return holdsBinary(t.Elem(), binary, visiting)
	case reflect.Struct:
		for _, f := range jsonFields(t) {
			if holdsBinary(f.field.Type, binary, visiting) {
				return true
			}
		}
	}
	return false
}

// binVisit is called for each Binary position that holds a value (not
// null): its value, a function that replaces it, and its path (built
// lazily, for error details).
type binVisit func(v any, set func(any), path func() string) *Invalid

// visit walks v, the JSON form of a value of n's type, as deep as
// maxPayloadDepth (deeper is refused by checkShape anyway). Values whose
// shape does not match the type are skipped: validation reports them.
func (n *binNode) visit(v any, depth int, path func() string, fn binVisit) *Invalid {
	if n == nil || v == nil || depth > maxPayloadDepth {
		return nil
	}
	if n.leaf {
		return nil // the parent calls fn with a setter
	}
	child := func(c *binNode, e any, set func(any), p func() string) *Invalid {
		if c == nil || e == nil {
			return nil
		}
		if c.leaf {
			return fn(e, set, p)
		}
		return c.visit(e, depth+1, p, fn)
	}
	switch x := v.(type) {
	case map[string]any:
		if n.fields != nil {
			for _, f := range n.fields {
				if e, ok := x[f.name]; ok {
					if err := child(f.node, e, func(r any) { x[f.name] = r }, subPath(path, f.name)); err != nil {
						return err
					}
				}
			}
			return nil
		}
		for k, e := range x {
			if err := child(n.elem, e, func(r any) { x[k] = r }, subPath(path, k)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := child(n.elem, e, func(r any) { x[i] = r }, subPath(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

func subPath(parent func() string, token string) func() string {
	return func() string { return parent() + "/" + escapePointer(token) }
}

func rootPath() string { return "" }

// binSlot is a Binary value set aside while the rest of a payload is
// validated.
type binSlot struct {
	set func(any)
	b   []byte
}

// take checks the Binary positions of a payload parsed from the Socket.IO
// wire, where attachments are []byte: each must be one (or null where the
// schema allows it), within the event's limits. It sets them aside,
// leaving an empty string that the Binary schema accepts, and returns them
// for restore. Every failure is a VALIDATION_ERROR.
func (n *binNode) take(v *any, limit int) ([]binSlot, *Invalid) {
	var slots []binSlot
	total := 0
	check := func(e any, set func(any), path func() string) *Invalid {
		b, ok := e.([]byte)
		if !ok {
			return binaryExpected(path())
		}
		if len(slots) == maxBinaryValues {
			return validationError(path(), fmt.Sprintf("more than %d binary values in one payload", maxBinaryValues))
		}
		if total += len(b); total > limit {
			return binaryTooLarge(path(), limit)
		}
		slots = append(slots, binSlot{set: set, b: b})
		set("")
		return nil
	}
	if n.leaf { // the payload itself is binary: Event[Binary, …]
		if *v == nil {
			return nil, nil
		}
		return slots, check(*v, func(r any) { *v = r }, rootPath)
	}
	return slots, n.visit(*v, 0, rootPath, check)
}

// restore puts back what take set aside.
func restore(slots []binSlot) {
	for _, s := range slots {
		if s.set != nil {
			s.set(s.b)
		}
	}
}

// fromJSON turns the base64 strings at the Binary positions of a payload
// parsed from JSON (another server's, or the server's own encoding) into
// []byte, as the Socket.IO wire gives them.
func (n *binNode) fromJSON(v *any) *Invalid {
	convert := func(e any, set func(any), path func() string) *Invalid {
		b, verr := decodeBase64(e, path())
		if verr == nil {
			set(b)
		}
		return verr
	}
	if n.leaf {
		if *v == nil {
			return nil
		}
		return convert(*v, func(r any) { *v = r }, rootPath)
	}
	return n.visit(*v, 0, rootPath, convert)
}

func decodeBase64(v any, path string) (any, *Invalid) {
	s, ok := v.(string)
	if !ok {
		return v, nil // take refuses it
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, validationError(path, "binary data in JSON must be base64")
	}
	return b, nil
}

// checkOut checks the Binary values of an outgoing payload, in its JSON
// form (base64 strings), against the event's limits.
func (n *binNode) checkOut(v any, limit int) *Invalid {
	count, total := 0, 0
	add := func(e any, path string) *Invalid {
		s, _ := e.(string)
		count++
		total += base64.StdEncoding.DecodedLen(len(s)) - (len(s) - len(strings.TrimRight(s, "=")))
		switch {
		case count > maxBinaryValues:
			return validationError(path, fmt.Sprintf("more than %d binary values in one payload", maxBinaryValues))
		case total > limit:
			return binaryTooLarge(path, limit)
		}
		return nil
	}
	if n.leaf {
		if v == nil {
			return nil
		}
		return add(v, "")
	}
	return n.visit(v, 0, rootPath, func(x any, _ func(any), path func() string) *Invalid { return add(x, path()) })
}

// attach returns an outgoing payload as Socket.IO sends it: its JSON form
// parsed, with a []byte (an attachment) at each Binary position.
func (n *binNode) attach(raw json.RawMessage) (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // keep integers beyond 2^53 exact
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if e := n.fromJSON(&v); e != nil {
		return nil, e
	}
	return v, nil
}

func validationError(path, msg string) *Invalid {
	return &Invalid{Details: []Detail{{Path: path, Message: msg}}}
}

func binaryExpected(path string) *Invalid {
	return validationError(path, "expected binary data (a Socket.IO binary attachment: ArrayBuffer, Buffer or typed array)")
}

func binaryTooLarge(path string, limit int) *Invalid {
	return validationError(path, fmt.Sprintf("binary data larger than %d bytes in total", limit))
}
