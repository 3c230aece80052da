package schema

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
)

// Type is the reflected and compiled JSON Schema of one payload type,
// with the plans that decode, zero-fill and carry binary values of it. It
// is built once, at registration, and read-only afterwards, so it is safe
// for concurrent use.
type Type struct {
	goType   reflect.Type
	raw      json.RawMessage // the schema document, for Spec
	compiled *validator.Schema
	// empty is true for struct{} and NoAck: the payload carries nothing.
	empty bool
	// decode stores a validated payload into a value of goType.
	decode decoder
	// constant, when set, is the only JSON encoding a value of the type
	// can have ({} for a struct without fields): encoding and validating
	// it again per message is pointless.
	constant json.RawMessage
	// fill, when set, turns the nulls of nil slices and maps in an
	// outgoing value into the empty lists and objects the schema requires.
	fill filler
	// bin, when set, is where the type's Binary values sit; maxBinary
	// bounds their total size in one payload (the event's MaxBinarySize).
	bin       *binNode
	maxBinary int
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	timeType      = reflect.TypeFor[time.Time]()
	schemaSeq     atomic.Uint64
)

// Build reflects t into a JSON Schema document and compiles it. binary is
// the Go type whose values travel as Socket.IO attachments (rtkit.Binary);
// maxBinary bounds their total size in one payload. It returns an error
// (never panics) so that the caller can name the event.
func Build(t, binary reflect.Type, maxBinary int) (ts *Type, err error) {
	defer func() {
		// invopop panics on types it cannot represent (chan, func, complex).
		if r := recover(); r != nil {
			ts, err = nil, fmt.Errorf("cannot reflect a JSON Schema from %s: %v", t, r)
		}
	}()
	raw, compiled, err := reflectAndCompile(t, binary, true)
	var rules *fieldRuleError
	if errors.As(err, &rules) {
		return nil, rules.err
	}
	if err != nil {
		// A type that refers to itself cannot be inlined at the root: its
		// references point at a $defs entry that ExpandedStruct left out.
		raw, compiled, err = reflectAndCompile(t, binary, false)
	}
	if err != nil {
		return nil, err
	}
	ts = &Type{
		goType:    t,
		raw:       raw,
		compiled:  compiled,
		empty:     t.Kind() == reflect.Struct && t.NumField() == 0,
		decode:    compileDecoder(t, binary, map[reflect.Type]*decoder{}),
		fill:      compileFiller(t),
		bin:       compileBinPlan(t, binary),
		maxBinary: maxBinary,
	}
	if ts.empty && !t.Implements(jsonMarshaler) && !reflect.PointerTo(t).Implements(jsonMarshaler) {
		ts.constant = json.RawMessage(`{}`)
		if ts.validate(map[string]any{}) != nil {
			ts.constant = nil // a schema customised to refuse {}: keep checking
		}
	}
	return ts, nil
}

// Compile compiles a JSON Schema document of a Spec, as Build compiles the
// documents it reflects. The Type only validates (ValidateJSON).
func Compile(doc json.RawMessage) (*Type, error) {
	compiled, err := compileSchema(doc)
	if err != nil {
		return nil, err
	}
	return &Type{raw: doc, compiled: compiled}, nil
}

// Raw returns the schema document.
func (ts *Type) Raw() json.RawMessage { return ts.raw }

// HasBinary reports whether values of the type hold Binary values, which
// travel as attachments.
func (ts *Type) HasBinary() bool { return ts.bin != nil }

// MaxBinary returns the bound on the total size of the Binary values of
// one payload.
func (ts *Type) MaxBinary() int { return ts.maxBinary }

func reflectAndCompile(t, binary reflect.Type, expanded bool) (json.RawMessage, *validator.Schema, error) {
	r := &jsonschema.Reflector{
		Anonymous:      true,
		ExpandedStruct: expanded,
		Namer:          newNamer(),
		Mapper:         mapper(binary),
	}
	s := r.ReflectFromType(t)
	if err := applyFieldRules(s, t, binary); err != nil {
		return nil, nil, &fieldRuleError{err}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, nil, fmt.Errorf("encode schema of %s: %w", t, err)
	}
	compiled, err := compileSchema(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("compile schema of %s: %w", t, err)
	}
	return raw, compiled, nil
}

// fieldRuleError is a field whose tags break rtkit's rules: reported as
// is, never retried with another reflection.
type fieldRuleError struct{ err error }

func (e *fieldRuleError) Error() string { return e.err.Error() }

// compileSchema compiles one schema document with format assertion on and
// rtkit's date-time format, which accepts exactly what time.Time decodes.
func compileSchema(raw []byte) (*validator.Schema, error) {
	doc, err := validator.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := validator.NewCompiler()
	c.DefaultDraft(validator.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&validator.Format{Name: "date-time", Validate: validateDateTime})
	url := fmt.Sprintf("mem:///rtkit/%d.json", schemaSeq.Add(1))
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// validateDateTime accepts what time.Time's UnmarshalJSON accepts: RFC 3339
// with an upper-case T and Z, no leap seconds. The stock format is more
// lenient, which would let a payload pass validation and then fail decoding.
func validateDateTime(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil // formats apply to strings only
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("not an RFC 3339 date-time")
	}
	return nil
}

// mapper returns a Mapper that gives schemas to the types invopop gets
// wrong by default, and to binary.
func mapper(binary reflect.Type) func(reflect.Type) *jsonschema.Schema {
	return func(t reflect.Type) *jsonschema.Schema { return mapType(t, binary) }
}

func mapType(t, binary reflect.Type) *jsonschema.Schema {
	if t == binary {
		return binarySchema()
	}
	if t == timeType {
		return nil // invopop: {"type":"string","format":"date-time"}
	}
	// TextMarshalers (uuid.UUID, netip.Addr, …) travel as JSON strings,
	// whatever their Go representation. Types with their own JSONSchema
	// method keep it.
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		if _, ok := t.MethodByName("JSONSchema"); ok {
			return nil
		}
		s := &jsonschema.Schema{Type: "string"}
		if t.Name() == "UUID" {
			s.Format = "uuid"
		}
		return s
	}
	// Unsigned integers: without a minimum, -5 passes the schema and then
	// fails to decode.
	switch t.Kind() {
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &jsonschema.Schema{Type: "integer", Minimum: "0"}
	case reflect.Uint8:
		return &jsonschema.Schema{Type: "integer", Minimum: "0", Maximum: "255"}
	case reflect.Uint16:
		return &jsonschema.Schema{Type: "integer", Minimum: "0", Maximum: "65535"}
	case reflect.Uint32:
		return &jsonschema.Schema{Type: "integer", Minimum: "0", Maximum: "4294967295"}
	}
	return nil
}

var typeArgPath = regexp.MustCompile(`[A-Za-z0-9_.\-]*/`)

// newNamer returns a Namer for one reflection: generic type names become
// valid JSON Pointer tokens (Envelope[pkg/x.Author] → Envelope_x.Author), and
// when two different types share a name (same name in two packages) the
// second one is qualified by its package path instead of silently getting
// the first one's schema.
func newNamer() func(reflect.Type) string {
	seen := map[string]reflect.Type{}
	return func(t reflect.Type) string {
		name := cleanTypeName(t.Name())
		if name == "" {
			return ""
		}
		if prev, ok := seen[name]; ok && prev != t {
			name = cleanTypeName(strings.ReplaceAll(t.PkgPath(), "/", "_")) + "." + name
		}
		seen[name] = t
		return name
	}
}

func cleanTypeName(s string) string {
	s = typeArgPath.ReplaceAllString(s, "")
	return strings.NewReplacer("[", "_", "]", "", ",", "_", " ", "", "*", "Ptr", "/", "_", "~", "_").Replace(s)
}
