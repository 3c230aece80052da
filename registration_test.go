package rtkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegistrationPanicsNameNamespaceAndEvent(t *testing.T) {
	ns := NewNamespace("/docs")
	ev := NewEvent[struct {
		F func() `json:"f"`
	}, NoAck]("doc:bad")
	assert.PanicsWithValue(t, "rtkit: namespace /docs: event doc:bad: payload: cannot reflect a JSON Schema from struct { F func() \"json:\\\"f\\\"\" }: unsupported type func()", func() {
		Emits(ns, ev)
	})

	good := NewEvent[struct{}, NoAck]("doc:ok")
	Emits(ns, good)
	assert.PanicsWithValue(t, "rtkit: namespace /docs: event doc:ok declared twice with Emits", func() { Emits(ns, good) })
	assert.Panics(t, func() { NewEvent[struct{}, NoAck]("disconnect") })
	assert.Panics(t, func() { NewEvent[struct{}, NoAck]("") })
	for _, bad := range []string{"a b", "tab\there", "new\nline", "quote\"", "é", "a<b>", "a,b"} {
		assert.Panics(t, func() { NewEvent[struct{}, NoAck](bad) }, "event name %q", bad)
	}
	assert.NotPanics(t, func() { NewEvent[struct{}, NoAck]("ns.v2/doc:updated_at-1") })
	assert.Panics(t, func() { NewNamespace("docs") })
}
