package engine

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/gobwas/ws"
)

type countHandler struct{ messages, bytes, largest int }

func (h *countHandler) OnOpen(*Conn)          {}
func (h *countHandler) OnClose(*Conn, string) {}
func (h *countHandler) OnMessage(_ *Conn, data []byte, _ bool) {
	h.messages++
	h.bytes += len(data)
	h.largest = max(h.largest, len(data))
}

func maskedFrames(frames ...ws.Frame) []byte {
	var b bytes.Buffer
	for _, f := range frames {
		_ = ws.WriteFrame(&b, ws.MaskFrameInPlaceWith(f, [4]byte{7, 1, 3, 9}))
	}
	return b.Bytes()
}

// FuzzWebsocketFrames feeds arbitrary bytes, split into arbitrary reads,
// to a connection's reader: it never panics, never delivers more than
// MaxPayload in one message, and never keeps more than one frame's worth
// of unread input.
func FuzzWebsocketFrames(f *testing.F) {
	f.Add(maskedFrames(ws.NewTextFrame([]byte("4hello"))), uint8(3))
	f.Add(maskedFrames(ws.NewBinaryFrame([]byte{1, 2, 3}), ws.NewPingFrame([]byte("p")), ws.NewTextFrame([]byte("3"))), uint8(1))
	f.Add(maskedFrames(ws.NewFrame(ws.OpText, false, []byte("4a")), ws.NewPingFrame(nil), ws.NewFrame(ws.OpContinuation, true, []byte("b"))), uint8(5))
	f.Add(maskedFrames(ws.NewTextFrame(bytes.Repeat([]byte("4"), 300))), uint8(200))
	f.Add(maskedFrames(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))), uint8(2))
	f.Add([]byte{0x81, 0x05, '4', 'a', 'b', 'c', 'd'}, uint8(7)) // unmasked
	f.Add([]byte{0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		const maxPayload = 512
		h := &countHandler{}
		s := NewServer(h, Options{MaxPayload: maxPayload})
		a, b := net.Pipe()
		copied := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, b); close(copied) }()
		c := &Conn{srv: s, id: "fuzz", transport: TransportWebsocket, opened: true}
		tr := newWSTransport(c, a)
		c.ws = tr
		s.register(c)
		step := int(split)%64 + 1
		for len(in) > 0 {
			n := min(step, len(in))
			if err := tr.consume(bytes.Clone(in[:n])); err != nil {
				tr.fail(err)
				break
			}
			in = in[n:]
			if len(tr.pending) > maxPayload+ws.MaxHeaderSize || len(tr.msg) > maxPayload {
				t.Fatalf("kept %d bytes of input and %d of a message", len(tr.pending), len(tr.msg))
			}
		}
		if h.largest > maxPayload {
			t.Fatalf("a message of %d bytes delivered", h.largest)
		}
		c.Close("")
		_ = a.Close()
		_ = b.Close()
		<-copied
	})
}
