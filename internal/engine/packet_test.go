package engine

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func decodeAll(t *testing.T, payload string) ([]packet, error) {
	t.Helper()
	var got []packet
	_, err := decodePayload([]byte(payload), nil, func(p packet) error {
		p.data = bytes.Clone(p.data)
		got = append(got, p)
		return nil
	})
	return got, err
}

func TestDecodePayload(t *testing.T) {
	for _, tc := range []struct {
		payload string
		want    []packet
	}{
		{"4hello", []packet{{typ: '4', data: []byte("hello")}}},
		{"4", []packet{{typ: '4', data: []byte{}}}},
		{"4hello\x1e2\x1e4world", []packet{{typ: '4', data: []byte("hello")}, {typ: '2', data: []byte{}}, {typ: '4', data: []byte("world")}}},
		{"4hello\x1ebAQIDBA==", []packet{{typ: '4', data: []byte("hello")}, {typ: '4', data: []byte{1, 2, 3, 4}, binary: true}}},
		{"b", []packet{{typ: '4', data: nil, binary: true}}},
		{"6\x1e3\x1e1", []packet{{typ: '6', data: []byte{}}, {typ: '3', data: []byte{}}, {typ: '1', data: []byte{}}}},
	} {
		got, err := decodeAll(t, tc.payload)
		require.NoError(t, err, "%q", tc.payload)
		require.Equal(t, tc.want, got, "%q", tc.payload)
	}
	for _, bad := range []string{"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "x", "7", "/", "bAQ", "b====", "4a\x1eb%%"} {
		_, err := decodeAll(t, bad)
		require.ErrorIs(t, err, errBadPacket, "%q", bad)
	}
}

func TestEncodedPayloadDecodesBack(t *testing.T) {
	var out []byte
	out = appendPayloadPacket(out, pktMessage, []byte("héllo"), false)
	out = appendPayloadPacket(out, pktPing, nil, false)
	out = appendPayloadPacket(out, pktMessage, []byte{0, 255, 30}, true)
	require.Equal(t, "4héllo\x1e2\x1ebAP8e", string(out))
	got, err := decodeAll(t, string(out))
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, []byte{0, 255, 30}, got[2].data)
	require.Equal(t, len(out), payloadPacketLen([]byte("héllo"), false)-1+payloadPacketLen(nil, false)+payloadPacketLen([]byte{0, 255, 30}, true))
}

// FuzzDecodePayload: any input either decodes into packets that encode back
// into an equivalent payload, or fails with errBadPacket; never a panic.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello", "4hello\x1e2\x1e4world", "4hello\x1ebAQIDBA==", "", "\x1e", "b", "bAQ", "1", "6\x1e6"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var re []byte
		_, err := decodePayload(in, nil, func(p packet) error {
			if p.binary {
				re = appendPayloadPacket(re, p.typ, p.data, true)
			} else {
				re = appendPayloadPacket(re, p.typ, p.data, false)
			}
			return nil
		})
		if err != nil {
			if !errors.Is(err, errBadPacket) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// The re-encoding differs only in base64 spelling (padding bits).
		var again []byte
		_, err = decodePayload(re, nil, func(p packet) error {
			again = appendPayloadPacket(again, p.typ, p.data, p.binary)
			return nil
		})
		if err != nil || !bytes.Equal(re, again) {
			t.Fatalf("re-encoded payload %q does not round-trip: %v", re, err)
		}
		if !bytes.Contains(in, []byte{binaryPrefix}) && !bytes.Equal(in, re) {
			t.Fatalf("text payload %q re-encoded as %q", in, re)
		}
	})
}

// FuzzParseText: a text packet is its type digit and data, anything else
// is refused.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"4hello", "2probe", "", "a", "9", "6"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := parseText(in)
		valid := len(in) > 0 && in[0] >= '0' && in[0] <= '6'
		if valid != (err == nil) {
			t.Fatalf("%q: valid %v, err %v", in, valid, err)
		}
		if err == nil && (p.typ != in[0] || !bytes.Equal(p.data, in[1:])) {
			t.Fatalf("%q parsed as %+v", in, p)
		}
	})
}
