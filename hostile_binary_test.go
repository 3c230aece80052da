package rtkit_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// placeholders returns n placeholders that all number attachment num.
func placeholders(n, num int) string {
	return strings.TrimSuffix(strings.Repeat(`{"_placeholder":true,"num":`+strconv.Itoa(num)+`},`, n), ",")
}

// TestBinaryHostileFrames writes binary packets by hand, as an attacker
// would: what breaks the typed contract is a VALIDATION_ERROR on a socket
// that stays usable; what breaks the Socket.IO protocol (a placeholder that
// numbers no attachment, more attachments than the core takes, an
// attachment beyond the server's payload limit) closes that connection
// only. A bystander is served throughout.
func TestBinaryHostileFrames(t *testing.T) {
	url := serveFiles(t, rtkit.WithMaxPayload(4096))
	bystander := sioraw.Dial(t, url, nil)
	require.True(t, strings.HasPrefix(bystander.Connect("/files", nil), "40/files,"))

	send := func(rc *sioraw.Client, text string, atts ...[]byte) {
		rc.Send(text)
		for _, a := range atts {
			require.NoError(t, rc.Conn().WriteMessage(websocket.BinaryMessage, a))
		}
	}
	answered := []struct {
		name, text string
		atts       [][]byte
		detail     string
	}{
		{"one attachment counted at each placeholder (amplification)",
			`451-/files,1["file:upload",{"name":"a","data":` + placeholders(1, 0) + `,"thumb":` + placeholders(1, 0) + `}]`,
			[][]byte{make([]byte, 40)}, "/thumb: binary data larger than 64 bytes in total"},
		{"more binary values than attachments a packet may carry",
			`451-/files,1["file:upload",{"name":"a","data":` + placeholders(1, 0) + `,"thumb":null,"parts":[` + placeholders(11, 0) + `]}]`,
			[][]byte{{1}}, "/parts/9: more than 10 binary values in one payload"},
		{"attachment where a string is due",
			`451-/files,1["file:upload",{"name":` + placeholders(1, 0) + `,"data":"AAEC","thumb":null}]`,
			[][]byte{{1}}, "/data: expected binary data"},
		{"attachment as an object key's value the type does not have",
			`452-/files,1["file:upload",{"name":"a","data":` + placeholders(1, 0) + `,"thumb":null,"extra":` + placeholders(1, 1) + `}]`,
			[][]byte{{1}, {2}}, "/extra: binary data is not accepted here; send JSON"},
		{"forged placeholder in a plain event",
			`42/files,1["file:upload",{"name":"a","data":` + placeholders(1, 0) + `,"thumb":null}]`,
			nil, "/data: expected binary data"},
		{"number where binary is due",
			`42/files,1["file:upload",{"name":"a","data":[1,2,3],"thumb":null}]`,
			nil, "/data: expected binary data"},
		{"the whole payload an attachment",
			`451-/files,1["file:upload",` + placeholders(1, 0) + `]`,
			[][]byte{{1}}, "binary data is not accepted here; send JSON"},
	}
	for _, tc := range answered {
		t.Run(tc.name, func(t *testing.T) {
			rc := sioraw.Dial(t, url, nil)
			require.True(t, strings.HasPrefix(rc.Connect("/files", nil), "40/files,"))
			send(rc, tc.text, tc.atts...)
			ack := rc.Ack("/files", 1)
			assert.Contains(t, ack, `"code":"VALIDATION_ERROR"`)
			path, msg, _ := strings.Cut(tc.detail, ": ")
			if msg == "" {
				path, msg = "", tc.detail
			}
			assert.Contains(t, ack, msg, ack)
			assert.Contains(t, ack, `"path":"`+path+`"`, ack)
			// The socket is still served.
			rc.Send(`42/files,2["file:upload",{"name":"","data":"x","thumb":null}]`)
			assert.Contains(t, rc.Ack("/files", 2), `"code":"VALIDATION_ERROR"`)
		})
	}

	closed := []struct {
		name, text string
		atts       [][]byte
	}{
		{"placeholder beyond the attachments", `451-/files,1["file:upload",{"name":"a","data":` + placeholders(1, 5) + `,"thumb":null}]`, [][]byte{{1}}},
		{"negative placeholder", `451-/files,1["file:upload",{"name":"a","data":{"_placeholder":true,"num":-1},"thumb":null}]`, [][]byte{{1}}},
		{"fractional placeholder", `451-/files,1["file:upload",{"name":"a","data":{"_placeholder":true,"num":0.5},"thumb":null}]`, [][]byte{{1}}},
		{"more than 10 attachments announced", `4511-/files,1["file:upload",{}]`, nil},
		{"attachment beyond the payload limit", `451-/files,1["file:upload",{"name":"a","data":` + placeholders(1, 0) + `,"thumb":null}]`, [][]byte{make([]byte, 8192)}},
	}
	for _, tc := range closed {
		t.Run(tc.name, func(t *testing.T) {
			rc := sioraw.Dial(t, url, nil)
			require.True(t, strings.HasPrefix(rc.Connect("/files", nil), "40/files,"))
			rc.Send(tc.text)
			for _, a := range tc.atts {
				_ = rc.Conn().WriteMessage(websocket.BinaryMessage, a) // the server may close first
			}
			assert.True(t, rc.Closed(3*time.Second), "the server closes a connection that breaks the protocol")
		})
	}

	bystander.Send(`42/files,7["file:upload",{"name":"","data":"x","thumb":null}]`)
	assert.Contains(t, bystander.Ack("/files", 7), `"code":"VALIDATION_ERROR"`, "the bystander is served")
}
