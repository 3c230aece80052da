package engine_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// echoHandler sends every message back to its sender.
type echoHandler struct{ closed chan string }

func (echoHandler) OnOpen(c *engine.Conn) {} // called once the open packet is out
func (echoHandler) OnMessage(c *engine.Conn, data []byte, binary bool) {
	_ = c.Send(data, binary) // written at the end of the reader's batch
}
func (h echoHandler) OnClose(c *engine.Conn, reason string) { h.closed <- reason }

// An echo server: mount the Server on its path, and a client's messages
// come back.
func Example() {
	h := echoHandler{closed: make(chan string, 1)}
	srv := engine.NewServer(h, engine.Options{})
	hs := httptest.NewServer(srv) // in an application: mux.Handle("/engine.io/", srv)
	defer hs.Close()

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/?EIO=4&transport=websocket", nil)
	if err != nil {
		panic(err)
	}
	_, open, _ := ws.ReadMessage()
	fmt.Println(strings.HasPrefix(string(open), `0{"sid":"`))
	_ = ws.WriteMessage(websocket.TextMessage, []byte("4hello"))
	_, reply, _ := ws.ReadMessage()
	fmt.Println(string(reply))
	// Close waits until the client has closed its side of the websocket
	// (at most 5 s), or ctx ends.
	done := make(chan error, 1)
	go func() { done <- srv.Close(context.Background()) }()
	fmt.Println("closed:", <-h.closed)
	_, _, err = ws.ReadMessage() // the server's close frame
	fmt.Println(err != nil)
	ws.Close()
	fmt.Println("Close:", <-done)
	// Output:
	// true
	// 4hello
	// closed: server shutting down
	// true
	// Close: <nil>
}
