package schema

import (
	"reflect"

	"github.com/invopop/jsonschema"
	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// maxBinaryValues bounds the number of Binary values in one payload: the
// number of attachments rtkit's core accepts in one packet.
const maxBinaryValues = sioproto.MaxAttachments

// binaryMarker is the schema keyword that marks a Binary value; the docs
// generators read it.
const binaryMarker = "x-rtkit-binary"

// binarySchema is the schema of a Binary value: a string of octets in
// AsyncAPI's and OpenAPI's terms (format binary), marked with
// x-rtkit-binary so that generators know it is an attachment.
func binarySchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:             "string",
		Format:           "binary",
		ContentMediaType: "application/octet-stream",
		Extras:           map[string]any{binaryMarker: true},
	}
}

// isBinaryField reports whether t is binary (the Binary type), or holds
// Binary values directly (through pointers, slices, arrays and maps).
func isBinaryField(t, binary reflect.Type) bool {
	for {
		if t == binary {
			return true
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
}
