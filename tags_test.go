package rtkit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// registerPanic registers an event whose payload is a struct holding one
// field of type T with the given tag and returns the panic message ("" for
// none).
func registerPanic[T any](t *testing.T) (msg string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	ns := rtkit.NewNamespace("/tags")
	ev := rtkit.NewEvent[T, rtkit.NoAck]("tagged:event")
	rtkit.Handle(ns, ev, func(context.Context, *rtkit.Socket, T) (rtkit.NoAck, error) { return rtkit.NoAck{}, nil })
	return ""
}

type inner struct {
	Deep string `json:"deep" jsonschema:"minlength=3"`
}

func TestRegistrationRefusesTagsRtkitDoesNotRead(t *testing.T) {
	cases := []struct {
		name string
		fn   func(*testing.T) string
		want string // part of the message besides namespace, event and field
	}{
		{"validator tag", registerPanic[struct {
			Email string `json:"email" validate:"required,email"`
		}], `tag validate:"required,email" is not read by rtkit`},
		{"gin binding tag", registerPanic[struct {
			Email string `json:"email" binding:"required"`
		}], `tag binding:"required"`},
		{"huma-style tag", registerPanic[struct {
			Email string `json:"email" minLength:"3"`
		}], `tag minLength:"3"`},
		{"misspelled key", registerPanic[struct {
			Email string `json:"email" jsonschema:"minlength=3"`
		}], "unknown key minlength"},
		{"other library's keys", registerPanic[struct {
			Count int `json:"count" jsonschema:"min=1,max=5"`
		}], "unknown key min"},
		{"non-numeric bound", registerPanic[struct {
			Count int `json:"count" jsonschema:"minimum=abc"`
		}], `minimum needs a number, not "abc"`},
		{"negative length", registerPanic[struct {
			Name string `json:"name" jsonschema:"maxLength=-1"`
		}], "maxLength needs a non-negative integer"},
		{"non-numeric enum of a number", registerPanic[struct {
			Level int `json:"level" jsonschema:"enum=low"`
		}], "enum of a numeric field needs a number"},
		{"key of another type", registerPanic[struct {
			Count int `json:"count" jsonschema:"maxLength=3"`
		}], "maxLength does not apply to a field of JSON type integer"},
		{"bound on an object", registerPanic[struct {
			In inner `json:"in" jsonschema:"minimum=1"`
		}], "minimum does not apply"},
		{"bad pattern", registerPanic[struct {
			Name string `json:"name" jsonschema:"pattern=[a-"`
		}], "pattern does not compile"},
		{"unknown flag", registerPanic[struct {
			Name string `json:"name" jsonschema:"optional"`
		}], "unknown flag"},
		{"required tag", registerPanic[struct {
			Name string `json:"name,omitempty" jsonschema:"required"`
		}], "remove omitempty instead"},
		{"unknown json option", registerPanic[struct {
			//lint:ignore SA5008 the misspelt option is what this case gives rtkit to refuse
			Name string `json:"name,omitemtpy"`
		}], `json tag option "omitemtpy"`},
		{"schema left out of a field that is sent", registerPanic[struct {
			Hidden string `json:"hidden" jsonschema:"-"`
		}], `use json:"-"`},
		{"nested field", registerPanic[struct {
			In []inner `json:"in"`
		}], "field in[].deep (rtkit_test.inner.Deep): jsonschema tag \"minlength=3\": unknown key minlength"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := c.fn(t)
			require.NotEmpty(t, msg, "registration must panic")
			assert.Contains(t, msg, "rtkit: namespace /tags: event tagged:event: payload: field ")
			assert.Contains(t, msg, c.want)
		})
	}
}

func TestRegistrationAcceptsTagsRtkitReads(t *testing.T) {
	type ok struct {
		Name   string            `json:"name" jsonschema:"title=Name,description=Who,minLength=1,maxLength=64,pattern=^[a-z]+$,example=ann,default=ann"`
		Kind   string            `json:"kind" jsonschema:"enum=a,enum=b,format=hostname"`
		Count  int               `json:"count,omitempty" jsonschema:"minimum=0,maximum=10,multipleOf=2,exclusiveMaximum=11,enum=2,enum=4"`
		Ratio  float64           `json:"ratio" jsonschema:"exclusiveMinimum=-0.5,default=1.5"`
		On     bool              `json:"on" jsonschema:"default=true"`
		Tags   []string          `json:"tags" jsonschema:"minItems=1,maxItems=3,uniqueItems=true,maxLength=8,enum=x,enum=y"`
		IDs    []int             `json:"ids" jsonschema:"maxItems=3,minimum=1"`
		Maybe  *string           `json:"maybe" jsonschema:"nullable,minLength=2"`
		Quoted int               `json:"quoted,string" jsonschema:"pattern=^[0-9]+$"`
		Skip   string            `json:"-" validate:"anything"`
		Extra  map[string]string `json:"extra" jsonschema:"description=free\\, form" yaml:"extra" db:"extra"`
	}
	assert.Empty(t, registerPanic[ok](t))
}
