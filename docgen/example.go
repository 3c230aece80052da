package docgen

import (
	"encoding/json"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Example returns a JSON value that is valid against the JSON Schema raw,
// indented with two spaces, for documentation. See the package doc for how
// values are chosen.
func Example(raw json.RawMessage) (json.RawMessage, error) {
	root, err := parseSchema(raw)
	if err != nil {
		return nil, err
	}
	g := exampler{r: newResolver(root), active: map[string]bool{}}
	b, err := json.MarshalIndent(g.value(root, ""), "", "  ")
	if err != nil {
		return nil, err
	}
	return b, nil
}

// exampler builds one example; active holds the definitions being expanded,
// so that a type that refers to itself stops.
type exampler struct {
	r      *resolver
	active map[string]bool
}

func (g *exampler) value(s *schema, name string) any {
	s, def := g.r.resolve(s)
	if s == nil || s.Bool != nil {
		return map[string]any{}
	}
	if def != "" {
		g.active[def] = true
		defer delete(g.active, def)
	}
	for _, fixed := range [][]json.RawMessage{{s.Const}, s.Enum, {s.Default}, s.Examples} {
		if len(fixed) > 0 && len(fixed[0]) > 0 {
			return fixed[0]
		}
	}
	switch {
	case len(s.OneOf) > 0:
		return g.value(s.OneOf[0], name)
	case len(s.AnyOf) > 0:
		return g.value(s.AnyOf[0], name)
	case len(s.AllOf) > 0:
		return g.value(s.AllOf[0], name)
	case s.has("object") || len(s.Properties) > 0:
		return g.object(s)
	case s.has("array"):
		return g.array(s, name)
	case s.Binary:
		return "AAECAw==" // the JSON form of bytes 0, 1, 2, 3: base64
	case s.has("string"):
		return exampleString(s, name)
	case s.has("integer"):
		return exampleNumber(s, true)
	case s.has("number"):
		return exampleNumber(s, false)
	case s.has("boolean"):
		return true
	case s.has("null"):
		return nil
	}
	return map[string]any{}
}

func (g *exampler) object(s *schema) any {
	out := orderedObject{}
	for _, p := range s.Properties {
		inner, nullable := unwrapNull(p.Schema)
		if t, def := g.r.resolve(inner); def != "" && g.active[def] {
			if !s.isRequired(p.Name) {
				continue // a type that refers to itself: stop here
			}
			if nullable || t.has("null") {
				out = append(out, field{p.Name, nil})
				continue
			}
		}
		out = append(out, field{p.Name, g.value(p.Schema, p.Name)})
	}
	if len(s.Properties) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Bool == nil {
		out = append(out, field{"key", g.value(s.AdditionalProperties, "key")})
	}
	return out
}

func (g *exampler) array(s *schema, name string) any {
	n := 1
	if s.MinItems != nil && *s.MinItems > n {
		n = *s.MinItems
	}
	if s.MaxItems != nil && *s.MaxItems < n {
		n = *s.MaxItems
	}
	if s.Items != nil {
		if _, def := g.r.resolve(s.Items); def != "" && g.active[def] && (s.MinItems == nil || *s.MinItems == 0) {
			n = 0 // a type that refers to itself: an empty list ends it
		}
	}
	out := make([]any, 0, n)
	for range n {
		if s.Items == nil {
			out = append(out, len(out)) // distinct, for uniqueItems
			continue
		}
		out = append(out, g.value(s.Items, name))
	}
	return out
}

// formatExamples are values of the formats invopop and rtkit produce.
var formatExamples = map[string]string{
	"date-time":     "2026-01-02T15:04:05Z",
	"date":          "2026-01-02",
	"time":          "15:04:05Z",
	"duration":      "PT1M",
	"uuid":          "0b7e3f9a-5c1d-4e8b-9f2a-6d4c3b2a1e0f",
	"email":         "ada@example.com",
	"idn-email":     "ada@example.com",
	"hostname":      "example.com",
	"idn-hostname":  "example.com",
	"ipv4":          "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"uri":           "https://example.com/",
	"iri":           "https://example.com/",
	"uri-reference": "/example",
	"uri-template":  "/items/{id}",
	"json-pointer":  "/items/0",
	"regex":         "^[a-z]+$",
}

func exampleString(s *schema, name string) string {
	if v, ok := formatExamples[s.Format]; ok {
		return v
	}
	minLen, maxLen := 0, math.MaxInt
	if s.MinLength != nil {
		minLen = *s.MinLength
	}
	if s.MaxLength != nil {
		maxLen = *s.MaxLength
	}
	fits := func(v string) bool {
		n := utf8.RuneCountInString(v)
		return n >= minLen && n <= maxLen
	}
	var re *regexp.Regexp
	if s.Pattern != "" {
		re, _ = regexp.Compile(s.Pattern)
	}
	candidates := []string{name, "example", strings.ToLower(name), "a1"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		for _, v := range []string{c, padTo(c, minLen)} {
			if fits(v) && (re == nil || re.MatchString(v)) {
				return v
			}
		}
	}
	if re != nil {
		for k := 1; k <= 64; k++ {
			if v, ok := fromPattern(s.Pattern, k); ok && fits(v) && re.MatchString(v) {
				return v
			}
		}
	}
	if maxLen < minLen || maxLen == 0 {
		return ""
	}
	return padTo("x", minLen)
}

// padTo repeats v's last character until v has n characters.
func padTo(v string, n int) string {
	r := []rune(v)
	for len(r) < n {
		r = append(r, r[len(r)-1])
	}
	return string(r)
}

// fromPattern builds a string matched by the regular expression pattern,
// repeating each unbounded part k times.
func fromPattern(pattern string, k int) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(*syntax.Regexp, int) bool
	walk = func(re *syntax.Regexp, reps int) bool {
		switch re.Op {
		case syntax.OpLiteral:
			for range reps {
				b.WriteString(string(re.Rune))
			}
		case syntax.OpCharClass:
			if len(re.Rune) == 0 {
				return false
			}
			r := re.Rune[0]
			for i := 0; i+1 < len(re.Rune); i += 2 { // prefer a letter or digit
				if lo, hi := re.Rune[i], re.Rune[i+1]; lo <= 'a' && 'a' <= hi {
					r = 'a'
					break
				} else if lo <= '0' && '0' <= hi {
					r = '0'
				}
			}
			for range reps {
				b.WriteRune(r)
			}
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			for range reps {
				b.WriteRune('a')
			}
		case syntax.OpCapture:
			return walk(re.Sub[0], reps)
		case syntax.OpConcat:
			for range reps {
				for _, sub := range re.Sub {
					if !walk(sub, 1) {
						return false
					}
				}
			}
		case syntax.OpAlternate:
			return walk(re.Sub[0], reps)
		case syntax.OpStar:
			return walk(re.Sub[0], reps*k)
		case syntax.OpPlus:
			return walk(re.Sub[0], reps*k)
		case syntax.OpQuest:
			return walk(re.Sub[0], reps)
		case syntax.OpRepeat:
			n := max(re.Min, min(k, re.Max))
			if re.Max < 0 {
				n = max(re.Min, k)
			}
			return walk(re.Sub[0], reps*n)
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
			syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		default:
			return false
		}
		return true
	}
	if !walk(re, 1) {
		return "", false
	}
	return b.String(), true
}

func exampleNumber(s *schema, integer bool) any {
	v := 1.0
	if !integer {
		v = 1.5
	}
	num := func(n *json.Number) (float64, bool) {
		if n == nil {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil
	}
	if lo, ok := num(s.Minimum); ok && v < lo {
		v = lo
	}
	if lo, ok := num(s.ExclusiveMinimum); ok && v <= lo {
		v = lo + 1
	}
	if hi, ok := num(s.Maximum); ok && v > hi {
		v = hi
	}
	if hi, ok := num(s.ExclusiveMaximum); ok && v >= hi {
		v = hi - 1
	}
	if m, ok := num(s.MultipleOf); ok && m > 0 {
		v = math.Ceil(v/m) * m
	}
	if integer {
		v = math.Ceil(v)
		return int64(v)
	}
	return v
}

// field and orderedObject encode an object with its keys in schema order.
type field struct {
	Name  string
	Value any
}

type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}
