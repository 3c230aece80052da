package rtkit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rtkit-go/rtkit/internal/schema"
	"github.com/rtkit-go/rtkit/internal/sioproto"
	"github.com/rtkit-go/rtkit/internal/testtypes"
)

// FuzzIncomingPacket feeds arbitrary Socket.IO packets (a text frame and
// binary attachments) through the parser the server uses, then through
// what rtkit does with them: an EVENT is split into name and payloads
// and its payload checked, validated and decoded; an ACK (the client's
// answer to EmitWithAck) has its first argument decoded the same way.
// Whatever arrives, rtkit answers with a value or a VALIDATION_ERROR and
// never panics; an event name it keeps is never longer than the bound.
func FuzzIncomingPacket(f *testing.F) {
	ts, err := schema.Build(reflect.TypeFor[testtypes.Pitfalls](), binaryType, DefaultMaxBinarySize)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`2["subscribe",` + testtypes.ValidPitfalls + `]`,
		`21["subscribe",` + testtypes.ValidPitfalls + `]`,
		`2/test,7["subscribe",{"count":-1}]`,
		`2[null]`, `2[]`, `2[{}]`, `2["x"`, `2["error",{}]`,
		`299999999999999999999999["a",{}]`,
		`2-1["a",{}]`,
		`3/test,5[` + testtypes.ValidPitfalls + `]`,
		`31[{"success":true,"data":1}]`,
		`51-["a",{"_placeholder":true,"num":0}]`,
		`52-/test,9["a",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`,
		`61-3[{"_placeholder":true,"num":0}]`,
		`51-["a",{"_placeholder":true,"num":7}]`,
		`0/test,{"token":"x"}`, `1/test,`, `4/x,{"message":"m"}`,
		`2["a",` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]`,
	} {
		f.Add(s, []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, frame string, attachment []byte) {
		p, err := sioproto.Parse([]byte(frame))
		if err != nil {
			return
		}
		var atts [][]byte
		for range min(p.Attachments, 3) {
			atts = append(atts, attachment)
		}
		if p.Attachments > 3 {
			return // the core closes such a connection before decoding
		}
		args, err := decodeArgs(p.Data, atts)
		if err != nil {
			return
		}
		switch p.Type {
		case sioproto.Event, sioproto.BinaryEvent:
			if len(args) == 0 {
				return
			}
			name, _ := args[0].(string)
			if n := eventName(name); len(n) > maxEventNameLen {
				t.Fatalf("event name of %d bytes kept", len(n))
			}
			var v any
			if len(args) > 1 {
				v = args[1]
			}
			checkDecoded(t, ts, v)
		case sioproto.Ack, sioproto.BinaryAck:
			var v any
			if len(args) > 0 {
				v = args[0]
			}
			checkDecoded(t, ts, v)
		}
	})
}

// checkDecoded decodes v as a payload and fails on anything but a value or
// a VALIDATION_ERROR.
func checkDecoded(t *testing.T, ts *schema.Type, v any) {
	t.Helper()
	if _, e := decodePayload[testtypes.Pitfalls](ts, v); e != nil && e.Code != CodeValidation {
		t.Fatalf("code %s for %#v", e.Code, v)
	}
}
