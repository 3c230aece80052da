package docgen

import (
	"regexp"
	"strings"
)

var qualified = regexp.MustCompile(`[A-Za-z0-9_./\-]+`)

// typeName shortens a Go type as rtkit.EventSpec names it to what client
// authors need: "main.SendMessage" → "SendMessage",
// "x.Page[example.com/m/x.Comment]" → "Page[Comment]".
func typeName(goType string) string {
	return qualified.ReplaceAllStringFunc(goType, func(s string) string {
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			return s[i+1:]
		}
		return s
	})
}

// ident turns a type or definition name into an identifier usable as a
// file name, an AsyncAPI component key and a TypeScript name:
// "Page[Comment]" → "Page_Comment", "x.Author" → "x_Author".
func ident(name string) string {
	var b strings.Builder
	for _, r := range strings.TrimRight(name, "]") {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == ']' || r == ' ' || r == '*':
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "T" + s
	}
	return s
}
