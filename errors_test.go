package rtkit_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func validUpdate() map[string]any {
	return map[string]any{
		"docId":     "7f1c2a4e-3b5d-4c6e-8f90-1a2b3c4d5e6f",
		"title":     "ok",
		"revision":  1,
		"updatedAt": "2026-11-27T10:00:00Z",
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func without(m map[string]any, k string) map[string]any {
	delete(m, k)
	return m
}

func TestValidationErrorDetails(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	cases := []struct {
		name    string
		payload map[string]any
		path    string
		message string
	}{
		{"missing field", without(validUpdate(), "title"), "/title", "is required"},
		{"too long string", with(validUpdate(), "title", strings.Repeat("x", 11)), "/title", "maxLength"},
		{"wrong type", with(validUpdate(), "revision", "one"), "/revision", "want integer"},
		{"extra property", with(validUpdate(), "admin", true), "/admin", "is not allowed"},
		{"bad uuid", with(validUpdate(), "docId", "not-a-uuid"), "/docId", "uuid"},
		{"bad date-time", with(validUpdate(), "updatedAt", "yesterday"), "/updatedAt", "date-time"},
		{"lower-case date-time", with(validUpdate(), "updatedAt", "2026-11-27t10:00:00z"), "/updatedAt", "date-time"},
		{"negative uint", with(validUpdate(), "revision", -5), "/revision", "minimum"},
		{"too many items", with(validUpdate(), "tags", []string{"a", "b", "c", "d", "e", "f"}), "/tags", "maxItems"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := failure(t, c, "doc:update", tc.payload)
			assert.Equal(t, rtkit.CodeValidation, e.Code)
			require.Len(t, e.Details, 1, "details: %+v", e.Details)
			assert.Equal(t, tc.path, e.Details[0].Path)
			assert.Contains(t, e.Details[0].Message, tc.message)
		})
	}
}

func TestValidationReportsEveryField(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	e := failure(t, c, "doc:update", map[string]any{"title": 5, "x": 1})
	var paths []string
	for _, d := range e.Details {
		paths = append(paths, d.Path)
	}
	assert.Equal(t, []string{"/docId", "/revision", "/title", "/updatedAt", "/x"}, paths)
}

func TestUnknownEvent(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	e := failure(t, c, "no:such:event", map[string]any{})
	assert.Equal(t, rtkit.CodeUnknownEvent, e.Code)
}

func TestReservedEventNameFromClientIsRefused(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	// The Go client refuses to emit connect/disconnect itself; "error" is
	// the reserved name a client can send.
	e := failure(t, c, "error", map[string]any{"code": "FAKE"})
	assert.Equal(t, rtkit.CodeUnknownEvent, e.Code)
	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "still-up"})
	assert.Nil(t, err)
}

func TestPanicBecomesInternalAndConnectionStays(t *testing.T) {
	ts, logs := startTest(t)
	c := ts.Dial(t, "/test")
	e := failure(t, c, "boom:panic", map[string]any{})
	assert.Equal(t, rtkit.CodeInternal, e.Code)
	assert.NotContains(t, e.Message, "hunter2")
	assert.NotContains(t, e.Message, "exploded")
	assert.Contains(t, logs.String(), "handler panicked")

	out, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "after"})
	require.Nil(t, err, "the connection survives a panicking handler")
	assert.True(t, out.Joined)
}

func TestPlainErrorBecomesInternalWithoutLeak(t *testing.T) {
	ts, logs := startTest(t)
	c := ts.Dial(t, "/test")
	e := failure(t, c, "boom:error", map[string]any{})
	assert.Equal(t, rtkit.CodeInternal, e.Code)
	assert.Equal(t, "internal server error", e.Message)
	assert.Empty(t, e.Details)
	assert.Contains(t, logs.String(), "hunter2", "the operator sees the cause")
}

func TestErrorEventWithoutAck(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	errs := rtkittest.ListenErrors(c)
	require.NoError(t, c.Raw().Emit("subscribe", map[string]any{"channel": ""}))
	e, err := errs.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, "subscribe", e.Event)
	require.Len(t, e.Details, 1)
	assert.Equal(t, "/channel", e.Details[0].Path)

	require.NoError(t, c.Raw().Emit("nope"))
	e, err = errs.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, rtkit.CodeUnknownEvent, e.Code)
	assert.Equal(t, "nope", e.Event)
}

func TestOutboundValidationCatchesBadAck(t *testing.T) {
	ts, logs := startTest(t)
	c := ts.Dial(t, "/test")
	_, err := rtkittest.Call(ctx5(t), c, evBadOut, Empty{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeInternal, err.Code)
	assert.Contains(t, logs.String(), "breaks its contract")
	assert.Contains(t, logs.String(), "/a")
}

func TestOutboundValidationCanBeTurnedOff(t *testing.T) {
	ts, _ := startTest(t, rtkit.WithOutboundValidation(false))
	c := ts.Dial(t, "/test")
	out, err := rtkittest.Call(ctx5(t), c, evBadOut, Empty{})
	require.Nil(t, err)
	assert.Equal(t, Answer{A: -1}, out)
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, rtkit.Code(""), rtkit.CodeOf(nil))
	assert.Equal(t, rtkit.CodeInternal, rtkit.CodeOf(errSecret))
	e := rtkit.NewError(rtkit.CodeNotFound, "no such document").WithCause(errSecret)
	assert.Equal(t, rtkit.CodeNotFound, rtkit.CodeOf(e))
	assert.ErrorIs(t, e, errSecret)
	assert.ErrorIs(t, e, rtkit.NewError(rtkit.CodeNotFound, ""))
}
