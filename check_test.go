package rtkit_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

type checkIn struct {
	Room string    `json:"room" jsonschema:"minLength=1,maxLength=8"`
	At   time.Time `json:"at"`
}

type checkOut struct {
	N uint8 `json:"n"`
}

var checkEvent = rtkit.NewEvent[checkIn, checkOut]("check")

func TestValidatePayloadAndAck(t *testing.T) {
	t.Parallel()
	assert.Nil(t, checkEvent.ValidatePayload([]byte(`{"room":"a","at":"2026-01-02T03:04:05Z"}`)))

	e := checkEvent.ValidatePayload([]byte(`{"room":"","at":"yesterday","x":1}`))
	require.NotNil(t, e)
	assert.Equal(t, rtkit.CodeValidation, e.Code)
	var paths []string
	for _, d := range e.Details {
		paths = append(paths, d.Path)
	}
	assert.Equal(t, []string{"/at", "/room", "/x"}, paths)

	for _, bad := range []string{`null`, `[1]`, `{"room":`, ``} {
		assert.NotNil(t, checkEvent.ValidatePayload([]byte(bad)), bad)
	}
	assert.Nil(t, checkEvent.ValidateAck([]byte(`{"n":255}`)))
	e = checkEvent.ValidateAck([]byte(`{"n":-1}`))
	require.NotNil(t, e)
	assert.Equal(t, "/n", e.Details[0].Path)

	noAck := rtkit.NewEvent[checkIn, rtkit.NoAck]("check:noack")
	assert.Nil(t, noAck.ValidateAck(nil))
	assert.NotNil(t, noAck.ValidateAck([]byte(`{"n":1}`)))
}

func TestCompileSchemaFromSpec(t *testing.T) {
	t.Parallel()
	ns := rtkit.NewNamespace("/check")
	rtkit.Emits(ns, checkEvent)
	srv := rtkit.NewServer()
	srv.Mount(ns)
	sp := srv.Spec()
	s, err := rtkit.CompileSchema(sp.Namespaces[0].Events[0].Payload)
	require.NoError(t, err)

	good := []byte(`{"room":"a","at":"2026-01-02T03:04:05Z"}`)
	assert.Nil(t, s.Validate(good))
	// The same verdicts as the event's own schema.
	for _, doc := range []string{`{"room":"abcdefghi","at":"2026-01-02T03:04:05Z"}`, `{"room":"a","at":"2026-01-02t03:04:05z"}`} {
		want := checkEvent.ValidatePayload([]byte(doc))
		require.NotNil(t, want, doc)
		assert.Equal(t, want, s.Validate([]byte(doc)), doc)
	}
	_, err = rtkit.CompileSchema(json.RawMessage(`{"type": 5}`))
	assert.Error(t, err)
}

// A schema from a spec file is data from elsewhere: compiling it never
// fetches what it refers to.
func TestCompileSchemaFetchesNothing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"type":"string"}`))
	}))
	defer srv.Close()
	_, err := rtkit.CompileSchema(json.RawMessage(`{"$ref":"` + srv.URL + `/x.json"}`))
	assert.Error(t, err)
	assert.Zero(t, hits.Load())
}

// WirePayload turns the base64 of each Binary value into an attachment;
// broken base64 is the VALIDATION_ERROR the server would answer, naming
// the field. A payload without Binary values goes as it is.
func TestWirePayload(t *testing.T) {
	type file struct {
		Name string       `json:"name"`
		Data rtkit.Binary `json:"data"`
	}
	ev := rtkit.NewEvent[file, rtkit.NoAck]("file:put")
	v, err := ev.WirePayload([]byte(`{"name":"a","data":"AQI="}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"name": "a", "data": []byte{1, 2}}, v)

	_, err = ev.WirePayload([]byte(`{"name":"a","data":"%%"}`))
	var e *rtkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, []rtkit.ErrorDetail{{Path: "/data", Message: "binary data in JSON must be base64"}}, e.Details)
	assert.EqualError(t, err, "rtkit: event file:put: rtkit: VALIDATION_ERROR: invalid payload")

	plain := rtkit.NewEvent[struct {
		N int `json:"n"`
	}, rtkit.NoAck]("plain")
	v, err = plain.WirePayload([]byte(`{"n":1}`))
	require.NoError(t, err)
	assert.Equal(t, json.RawMessage(`{"n":1}`), v)
}
