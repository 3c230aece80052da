package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/rtkit-go/rtkit"
)

// painter colours text when it goes to a terminal.
type painter struct{ on bool }

// painterFor colours w only when it is a terminal and neither -no-color
// nor NO_COLOR says otherwise.
func painterFor(w io.Writer, e env, noColor bool) painter {
	if noColor || e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return painter{}
	}
	f, ok := w.(*os.File)
	if !ok {
		return painter{}
	}
	st, err := f.Stat()
	return painter{on: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

func (p painter) paint(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p painter) red(s string) string   { return p.paint("31", s) }
func (p painter) green(s string) string { return p.paint("32", s) }
func (p painter) bold(s string) string  { return p.paint("1", s) }
func (p painter) dim(s string) string   { return p.paint("2", s) }

// printJSON writes v indented, or raw JSON re-indented.
func printJSON(w io.Writer, raw json.RawMessage) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		fmt.Fprintln(w, string(raw))
		return
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(w, string(b))
}

// wireError is an *rtkit.Error as the wire carries it, for scripts.
type wireError struct {
	Code         rtkit.Code          `json:"code"`
	Message      string              `json:"message"`
	Details      []rtkit.ErrorDetail `json:"details,omitempty"`
	RetryAfterMs int64               `json:"retryAfterMs,omitempty"`
}

// reportError writes e as JSON on stdout, for scripts, and as sentences on
// stderr, for people; it returns the exit status for its code.
func reportError(e *rtkit.Error, stdout, stderr io.Writer, p painter) int {
	b, _ := json.Marshal(map[string]any{"error": wireError{Code: e.Code, Message: e.Message,
		Details: e.Details, RetryAfterMs: e.RetryAfter.Milliseconds()}})
	printJSON(stdout, b)
	fmt.Fprintf(stderr, "%s %s\n", p.red(p.bold(clean(string(e.Code)))), clean(e.Message))
	for _, d := range e.Details {
		path := d.Path
		if path == "" {
			path = "(payload)"
		}
		fmt.Fprintf(stderr, "  %s %s\n", p.bold(clean(path)), clean(d.Message))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(stderr, "  retry after %v\n", e.RetryAfter)
	}
	return statusOf(e.Code)
}

// statusOf maps an error code to the exit status.
func statusOf(c rtkit.Code) int {
	switch c {
	case rtkit.CodeValidation:
		return exitInvalid
	case rtkit.CodeUnauthorized, rtkit.CodeForbidden:
		return exitRefused
	case rtkit.CodeTimeout:
		return exitNoAnswer
	default:
		return exitServerError
	}
}

// clean makes text from the server safe to print on a terminal: control
// characters (escape sequences that could recolour, retitle or rewrite the
// screen) are shown escaped instead of being sent.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
