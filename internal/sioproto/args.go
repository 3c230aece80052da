package sioproto

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Args decodes an EVENT's or ACK's array. Numbers become float64, objects
// map[string]any, as encoding/json does.
//
// The common case — strings without escapes, plain numbers, little
// nesting — is read by a small parser of its own, about four times as
// fast as encoding/json and with fewer allocations; anything else
// (escapes, invalid UTF-8, numbers out of range, deep nesting, any
// syntax error) is left to encoding/json, so that the result and the
// errors are always encoding/json's (a fuzz test checks it).
func Args(data []byte) ([]any, error) {
	p := argsParser{b: data}
	if args, ok := p.args(); ok {
		return args, nil
	}
	var args []any
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, invalid("payload: %v", err)
	}
	return args, nil
}

// argsMaxDepth is the nesting the fast parser takes; deeper values go to
// encoding/json.
const argsMaxDepth = 32

// argsParser reads the common case of Args; ok false means "not handled
// here", never "invalid".
type argsParser struct {
	b     []byte
	i     int
	depth int
}

func (p *argsParser) args() ([]any, bool) {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return nil, false
	}
	v, ok := p.array()
	if !ok {
		return nil, false
	}
	p.space()
	return v, p.i == len(p.b)
}

func (p *argsParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *argsParser) value() (any, bool) {
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.str()
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

func (p *argsParser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *argsParser) array() ([]any, bool) {
	if p.depth++; p.depth > argsMaxDepth {
		return nil, false
	}
	p.i++ // [
	out := make([]any, 0, 4)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return out, true
	}
	for {
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.depth--
			return out, true
		default:
			return nil, false
		}
	}
}

func (p *argsParser) object() (map[string]any, bool) {
	if p.depth++; p.depth > argsMaxDepth {
		return nil, false
	}
	p.i++ // {
	out := make(map[string]any)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return out, true
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		out[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.depth--
			return out, true
		default:
			return nil, false
		}
	}
}

// str reads a string without escapes or control characters, valid UTF-8.
func (p *argsParser) str() (string, bool) {
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			p.i = j + 1
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// number reads a JSON number as encoding/json stores it in an any.
func (p *argsParser) number() (any, bool) {
	start := p.i
	j := p.i
	if p.b[j] == '-' {
		j++
	}
	switch {
	case j < len(p.b) && p.b[j] == '0':
		j++
	case j < len(p.b) && p.b[j] >= '1' && p.b[j] <= '9':
		j = digits(p.b, j)
	default:
		return nil, false
	}
	if j < len(p.b) && p.b[j] == '.' {
		k := digits(p.b, j+1)
		if k == j+1 {
			return nil, false
		}
		j = k
	}
	if j < len(p.b) && (p.b[j] == 'e' || p.b[j] == 'E') {
		j++
		if j < len(p.b) && (p.b[j] == '+' || p.b[j] == '-') {
			j++
		}
		k := digits(p.b, j)
		if k == j {
			return nil, false
		}
		j = k
	}
	f, err := strconv.ParseFloat(string(p.b[start:j]), 64)
	if err != nil {
		return nil, false
	}
	p.i = j
	return f, true
}

func digits(b []byte, j int) int {
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}
