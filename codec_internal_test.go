package rtkit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rtkit-go/rtkit/internal/schema"
)

// A payload internal/schema refuses reaches the client as the
// VALIDATION_ERROR it always did: its details in order, and none at all
// (no "details" on the wire) when the validator named no field.
func TestInvalidPayloadIsAValidationError(t *testing.T) {
	assert.Nil(t, invalidPayload(nil))

	e := invalidPayload(&schema.Invalid{Details: []schema.Detail{{Path: "/a", Message: "is required"}, {Message: "not JSON"}}})
	assert.Equal(t, &Error{Code: CodeValidation, Message: "invalid payload",
		Details: []ErrorDetail{{Path: "/a", Message: "is required"}, {Message: "not JSON"}}}, e)

	bare := invalidPayload(&schema.Invalid{})
	assert.Nil(t, bare.Details)
	b, err := json.Marshal(bare.wire("doc:x"))
	assert.NoError(t, err)
	assert.JSONEq(t, `{"code":"VALIDATION_ERROR","message":"invalid payload","event":"doc:x"}`, string(b))
}
