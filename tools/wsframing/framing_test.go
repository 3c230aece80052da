package wsframing

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

// payload is a typical Socket.IO event with an acknowledgement id.
var payload = []byte(`42/bench,17["echo",{"channel":"` + strings.Repeat("c", 60) + `"}]`)

// clientFrames is a stream of identical masked client text frames.
func clientFrames() []byte {
	var b bytes.Buffer
	for b.Len() < 64<<10 {
		f := ws.MaskFrameInPlace(ws.NewTextFrame(bytes.Clone(payload)))
		_ = ws.WriteFrame(&b, f)
	}
	return b.Bytes()
}

// streamConn is a net.Conn that reads client frames forever and discards
// what is written: the framing step without the system calls.
type streamConn struct {
	data []byte
	off  int
	net.Conn
}

func (c *streamConn) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}
func (c *streamConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *streamConn) Close() error                     { return nil }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }
func (c *streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

// hijacker hands the stream to a library's HTTP upgrade.
type hijacker struct {
	http.ResponseWriter
	conn *streamConn
}

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(io.Discard)), nil
}

func upgradeRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	return r
}

// The handshake's 101 response is written through the hijacked stream; the
// stream's reader only serves frames, so the upgrade never reads it back.

func BenchmarkGorilla(b *testing.B) {
	sc := &streamConn{data: clientFrames()}
	up := websocket.Upgrader{}
	c, err := up.Upgrade(hijacker{httptest.NewRecorder(), sc}, upgradeRequest(), nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		_, r, err := c.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, _ = buf.ReadFrom(r)
		if err := c.WriteMessage(websocket.TextMessage, buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCoder(b *testing.B) {
	sc := &streamConn{data: clientFrames()}
	c, err := coder.Accept(hijacker{httptest.NewRecorder(), sc}, upgradeRequest(), &coder.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		_, r, err := c.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, _ = buf.ReadFrom(r)
		if err := c.Write(ctx, coder.MessageText, buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGobwas frames the way internal/engine does: headers parsed from
// a read buffer with the caller's scratch, payload unmasked in place, the
// answer's header and payload appended to an output buffer.
func BenchmarkGobwas(b *testing.B) {
	sc := &streamConn{data: clientFrames()}
	conn, _, _, err := ws.HTTPUpgrader{}.Upgrade(upgradeRequest(), hijacker{httptest.NewRecorder(), sc})
	if err != nil {
		b.Fatal(err)
	}
	g := &gobwasReader{conn: conn, rbuf: make([]byte, 16<<10)}
	b.ReportAllocs()
	for b.Loop() {
		p, err := g.next()
		if err != nil {
			b.Fatal(err)
		}
		g.out = g.out[:0]
		_ = ws.WriteHeaderBuffer(appender{&g.out}, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(p))}, g.whdr[:])
		g.out = append(g.out, p...)
		if _, err := conn.Write(g.out); err != nil {
			b.Fatal(err)
		}
	}
}

type appender struct{ b *[]byte }

func (a appender) Write(p []byte) (int, error) { *a.b = append(*a.b, p...); return len(p), nil }

type gobwasReader struct {
	conn       net.Conn
	rbuf, data []byte
	br         bytes.Reader
	rhdr, whdr [ws.MaxHeaderSize]byte
	out        []byte
}

func (g *gobwasReader) next() ([]byte, error) {
	for {
		g.br.Reset(g.data)
		h, err := ws.ReadHeaderBuffer(&g.br, g.rhdr[:])
		if err == nil && int64(g.br.Len()) >= h.Length {
			start := len(g.data) - g.br.Len()
			p := g.data[start : start+int(h.Length)]
			ws.Cipher(p, h.Mask, 0)
			g.data = g.data[start+int(h.Length):]
			return p, nil
		}
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		rest := copy(g.rbuf, g.data)
		n, err := g.conn.Read(g.rbuf[rest:])
		if err != nil {
			return nil, err
		}
		g.data = g.rbuf[:rest+n]
	}
}
