package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

const (
	// maxPayloadDepth bounds how deeply a payload may nest before anything
	// else looks at it. Real contracts nest a handful of levels; a hostile
	// client can send ten thousand.
	maxPayloadDepth = 32
	// maxDetails bounds the number of field errors sent back, so that a huge
	// invalid payload does not produce a huge answer.
	maxDetails = 20
)

var printer = message.NewPrinter(language.English)

// Invalid is a payload that breaks its contract: the server answers it
// with a VALIDATION_ERROR whose message is "invalid payload" and whose
// details are Details (none when the validator gave no field).
type Invalid struct {
	Details []Detail
}

// Error implements the error interface.
func (e *Invalid) Error() string {
	return fmt.Sprintf("invalid payload: %v", e.Details)
}

// Detail is one offending field: its JSON Pointer and what is wrong.
type Detail struct {
	Path    string
	Message string
}

// checkShape rejects what no JSON Schema should have to walk: values nested
// deeper than maxPayloadDepth and non-JSON values such as binary
// attachments. It returns nil or the problem.
func checkShape(v any) *Invalid {
	if msg, path := shapeProblem(v, 0); msg != "" {
		return &Invalid{Details: []Detail{{Path: pointer(path), Message: msg}}}
	}
	return nil
}

var deepMessage = "nested too deeply (at most " + strconv.Itoa(maxPayloadDepth) + " levels)"

// shapeProblem walks v and returns what is wrong and where (the path is
// built only on failure, innermost element last).
func shapeProblem(v any, depth int) (string, []string) {
	switch x := v.(type) {
	case nil, string, float64, bool, json.Number:
		return "", nil
	case map[string]any:
		if depth >= maxPayloadDepth {
			return deepMessage, nil
		}
		for k, e := range x {
			if msg, path := shapeProblem(e, depth+1); msg != "" {
				return msg, append([]string{k}, path...)
			}
		}
		return "", nil
	case []any:
		if depth >= maxPayloadDepth {
			return deepMessage, nil
		}
		for i, e := range x {
			if msg, path := shapeProblem(e, depth+1); msg != "" {
				return msg, append([]string{strconv.Itoa(i)}, path...)
			}
		}
		return "", nil
	default:
		return "binary data is not accepted here; send JSON", nil
	}
}

// validate runs the compiled schema and converts a failure into an
// *Invalid with one detail per offending field.
func (ts *Type) validate(v any) *Invalid {
	err := ts.compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *validator.ValidationError
	if !errors.As(err, &ve) {
		return &Invalid{}
	}
	var details []Detail
	collectDetails(ve, &details)
	slices.SortStableFunc(details, func(a, b Detail) int { return strings.Compare(a.Path, b.Path) })
	details = slices.Compact(details)
	if len(details) > maxDetails {
		details = details[:maxDetails]
	}
	return &Invalid{Details: details}
}

func collectDetails(ve *validator.ValidationError, out *[]Detail) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collectDetails(c, out)
		}
		return
	}
	base := pointer(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, f := range k.Missing {
			*out = append(*out, Detail{Path: base + "/" + escapePointer(f), Message: "is required"})
		}
	case *kind.AdditionalProperties:
		for _, f := range k.Properties {
			*out = append(*out, Detail{Path: base + "/" + escapePointer(f), Message: "is not allowed"})
		}
	case *kind.FalseSchema:
		*out = append(*out, Detail{Path: base, Message: "is not allowed"})
	default:
		*out = append(*out, Detail{Path: base, Message: ve.ErrorKind.LocalizedString(printer)})
	}
}

func pointer(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
