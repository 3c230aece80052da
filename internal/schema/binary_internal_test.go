package schema

import (
	"errors"
	"testing"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// TestValidatorRefusesBytes records why attachments are set aside before
// validation: santhosh-tekuri/jsonschema v6 accepts a []byte instance only
// under an empty schema (which it skips like true); with any keyword — even
// an annotation such as description or contentMediaType — it is "invalid
// jsonType []uint8". A documented Binary schema always has keywords.
func TestValidatorRefusesBytes(t *testing.T) {
	empty, err := compileSchema([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.Validate([]byte{1, 2}); err != nil {
		t.Errorf("{}: %v", err)
	}
	for _, doc := range []string{`{"description":"x"}`, `{"contentMediaType":"application/octet-stream"}`,
		`{"format":"binary"}`, `{"type":"string","format":"binary","x-rtkit-binary":true}`} {
		s, err := compileSchema([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Validate([]byte{1, 2})
		var ve *validator.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: []byte accepted (%v)", doc, err)
		}
		if !invalidJSONValue(ve) {
			t.Errorf("%s: %v, want invalid jsonType", doc, err)
		}
		if err := s.Validate(""); err != nil {
			t.Errorf("%s: the stand-in \"\" refused: %v", doc, err)
		}
	}
}

func invalidJSONValue(ve *validator.ValidationError) bool {
	if _, ok := ve.ErrorKind.(*kind.InvalidJsonValue); ok {
		return true
	}
	for _, c := range ve.Causes {
		if invalidJSONValue(c) {
			return true
		}
	}
	return false
}
