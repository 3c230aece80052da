package docgen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

var schemaSeq atomic.Int64

// compile compiles a JSON Schema (2020-12) the way rtkit does: format
// assertion on, date-time as time.Time accepts it.
func compile(t *testing.T, raw []byte) *validator.Schema {
	t.Helper()
	doc, err := validator.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	c := validator.NewCompiler()
	c.DefaultDraft(validator.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&validator.Format{Name: "date-time", Validate: func(v any) error {
		if s, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return fmt.Errorf("not RFC 3339")
			}
		}
		return nil
	}})
	url := fmt.Sprintf("mem:///docgen-test/%d.json", schemaSeq.Add(1))
	require.NoError(t, c.AddResource(url, doc))
	s, err := c.Compile(url)
	require.NoError(t, err, "schema %s", raw)
	return s
}

// requireValid fails unless the JSON value instance is valid against raw.
func requireValid(t *testing.T, raw []byte, instance []byte) {
	t.Helper()
	v, err := validator.UnmarshalJSON(bytes.NewReader(instance))
	require.NoError(t, err, "example %s", instance)
	require.NoError(t, compile(t, raw).Validate(v), "example %s\nschema %s", instance, raw)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
