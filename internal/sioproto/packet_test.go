package sioproto

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Packet
	}{
		{`0`, Packet{Type: Connect, Namespace: "/"}},
		{`0/admin,{"token":"1"}`, Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"token":"1"}`)}},
		{`0/admin`, Packet{Type: Connect, Namespace: "/admin"}},
		{`0null`, Packet{Type: Connect, Namespace: "/"}},
		{`1/admin,`, Packet{Type: Disconnect, Namespace: "/admin"}},
		{`2["a",1]`, Packet{Type: Event, Namespace: "/", Data: []byte(`["a",1]`)}},
		{`2/x,12["a"]`, Packet{Type: Event, Namespace: "/x", ID: 12, HasID: true, Data: []byte(`["a"]`)}},
		{`3/x,9999999999999999999[]`, Packet{Type: Ack, Namespace: "/x", ID: 9999999999999999999, HasID: true, Data: []byte(`[]`)}},
		{`3/x,18446744073709551614[]`, Packet{Type: Ack, Namespace: "/x", ID: 1<<64 - 2, HasID: true, Data: []byte(`[]`)}},
		{`3/x,00000000000000000007[]`, Packet{Type: Ack, Namespace: "/x", ID: 7, HasID: true, Data: []byte(`[]`)}},
		{`52-/x,3["a",{"_placeholder":true,"num":0}]`, Packet{Type: BinaryEvent, Namespace: "/x", ID: 3, HasID: true, Attachments: 2,
			Data: []byte(`["a",{"_placeholder":true,"num":0}]`)}},
	} {
		p, err := Parse([]byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, p, tc.in)
	}
	for _, bad := range []string{``, `7`, `a`, `2`, `2{}`, `2"x"`, `3/x,[]`, `3/x,1{}`, `1["x"]`, `01{}`, `4{"message":"x"}`,
		`5-["a"]`, `5x-["a"]`, `511-["a"]`, `2/x,99999999999999999999["a"]`, `0"auth"`,
		`3/x,18446744073709551615[]`, `3/x,18446744073709551616[]`, `3/x,000000000000000000007[]`} {
		_, err := Parse([]byte(bad))
		assert.ErrorIs(t, err, ErrInvalid, "%q", bad)
	}
}

// A namespace the caller knows comes back as the caller's string: the
// packets of a connection's namespace are parsed without allocating.
func TestParseKnownNamespace(t *testing.T) {
	known := "/chat"
	in := []byte(`2/chat,17["say",{"text":"hi"}]`)
	p, err := Parse(in, "/other", known)
	require.NoError(t, err)
	assert.Equal(t, known, p.Namespace)
	assert.Equal(t, unsafe.StringData(known), unsafe.StringData(p.Namespace), "the known string, not a copy")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Parse(in, known) }))

	p, err = Parse(in, "/chatroom")
	require.NoError(t, err)
	assert.Equal(t, "/chat", p.Namespace, "a name that is not known is copied")
	in[3] = 'X'
	assert.Equal(t, "/chat", p.Namespace, "the copy does not alias the text")
}

func TestAppendRoundTrip(t *testing.T) {
	b := AppendEvent(nil, "/x", 7, "ev", []byte(`{"a":1}`), []byte(`"off"`))
	assert.Equal(t, `2/x,7["ev",{"a":1},"off"]`, string(b))
	b = Append(nil, BinaryAck, "/", NoID, 2, []byte(`[1]`))
	assert.Equal(t, `62-[1]`, string(b))
}

func TestBinary(t *testing.T) {
	var atts [][]byte
	v := Deconstruct([]any{"a", []byte{1}, map[string]any{"b": []byte{2}}}, &atts)
	require.Len(t, atts, 2)
	assert.True(t, HasBinary([]any{map[string]any{"x": []byte{}}}))
	assert.False(t, HasBinary(v))
	back, err := Reconstruct(v, atts)
	require.NoError(t, err)
	assert.Equal(t, []any{"a", []byte{1}, map[string]any{"b": []byte{2}}}, back)
	_, err = Reconstruct([]any{map[string]any{"_placeholder": true, "num": float64(2)}}, atts)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = Reconstruct([]any{map[string]any{"_placeholder": true, "num": 0.5}}, atts)
	assert.ErrorIs(t, err, ErrInvalid)
}

// FuzzParse: nothing panics, and what parses writes back to a packet that
// parses the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`0`, `0/a,{"t":1}`, `2/x,12["a"]`, `3/x,1[]`, `52-/x,3["a",{"_placeholder":true,"num":0}]`, `1/admin,`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		id := int64(NoID)
		if p.HasID {
			id = int64(p.ID)
		}
		again, err := Parse(Append(nil, p.Type, p.Namespace, id, p.Attachments, p.Data))
		require.NoError(t, err)
		assert.Equal(t, p.Type, again.Type)
		assert.Equal(t, p.ID, again.ID)
		assert.True(t, bytes.Equal(p.Data, again.Data) || p.Data == nil)
		if args, err := Args(p.Data); err == nil && p.Attachments > 0 {
			_, _ = Reconstruct(args, make([][]byte, p.Attachments))
		}
	})
}
