// Package engine is rtkit's Engine.IO v4 server: the handshake, HTTP
// long-polling, websocket (direct, or upgraded from long-polling), the
// heartbeat, and the protocol's errors and close semantics. The Socket.IO
// v5 core (package rtkit) is built on it through Handler, Conn and Batch.
//
// # Protocol
//
// It follows docs/engine.io-protocol/v4-current.md of socketio/socket.io
// and passes its official test suite (see internal/conformance). Long-polling
// payloads separate packets with 0x1e and carry binary messages as "b" and
// base64; a second concurrent GET or POST closes the session (400); an
// invalid packet closes it (400 on long-polling). Errors answer with the
// protocol's JSON bodies: 0 transport unknown, 1 session id unknown, 2 bad
// handshake method, 3 bad request, 4 forbidden, 5 unsupported protocol
// version. JSONP polling (a "j" query parameter) is refused: it would
// bypass CORS for cookie-authenticated applications.
//
// # Upgrade
//
// A long-polling session upgrades when a websocket with its id sends
// "2probe" and then the upgrade packet. The server answers "3probe" at
// once; a GET that waits meanwhile (or comes during the probe) ends with a
// noop 100 ms later rather than at once, as Node's engine.io does. A
// client that goes on polling during the probe thus sends at most ten GETs
// a second, not a loop; one that pauses long-polling on "3probe" is not
// answered while it sets the pause up (the zishang520 Go client loses
// track of a pause whose GET ends at that moment, and then sends nothing
// more; output or a POST ending then can still do it); and one that waits
// for its GET before it sends the upgrade packet (the Go and JavaScript
// clients do) upgrades about 100 ms after "3probe". Output queued
// meanwhile ends the GET as usual, and the upgrade packet ends it with a
// noop. A probe that does not send the upgrade packet within
// UpgradeTimeout is closed; the session goes on over long-polling, as in
// Node's engine.io.
//
// # Closing
//
// A websocket closed gracefully gets its last output, a close frame and a
// FIN; the server closes the TCP connection when the client answers the
// close frame (RFC 6455), or closes its side, or lingerTimeout (5 s)
// passes. Server.Close waits until every session has ended that way and
// every goroutine of the server with it, cutting what is left after 5 s
// or when its context ends.
//
// # Cost per connection
//
// On Linux an idle websocket connection costs no goroutine: the server's
// epoll poller (one goroutine per Server while it watches a connection,
// waiting on its epoll descriptor through the runtime's network poller)
// starts a reader goroutine when data arrives, and the reader hands the
// connection back to the poller after 10 to 20 ms without input. A connection in
// a conversation keeps its reader, which waits through syscall.RawConn
// without holding a read buffer (buffers come from a pool for the time of
// one read), so an active connection pays no epoll system call per
// message. The registration is one-shot (one reader at a time per
// connection) under an id that is never reused, and every epoll_ctl runs
// inside RawConn.Control, so that an event for a closed connection never
// reaches the connection that got its descriptor number. No netpoll
// framework is used: mailru/easygo switches descriptors to blocking mode,
// gnet and cloudwego/netpoll replace net/http. Options.DisableEpoll, other
// systems, websockets being probed during an upgrade from long-polling and
// connections without a raw descriptor (below) keep a reader goroutine for
// the connection's life. There is no writer goroutine:
// output is appended to one pooled per-connection buffer and written with
// one non-blocking write at the end of the reader's batch, by Conn.Send, by
// Batch.Flush, or by the server's flusher after Batch.FlushSoon (one
// goroutine per server while it has work, so that broadcasts made in a row
// share one write per recipient); only what the socket does not take at
// once is handed to a short-lived goroutine that drains it with blocking
// writes. The unsent
// output of a connection is bounded by Options.MaxBuffered: a client that
// does not read is closed with ReasonWriteBufferFull, and the server's
// memory for it never grows past the bound. The heartbeat is one runtime
// timer per connection (time.AfterFunc), with no goroutine while armed. No
// event emitters: the transports call the Handler's methods directly.
//
// The Handler may ask the websocket reader to run work after the batch it
// is delivering (Conn.RunAfterBatch), on the reader's goroutine, instead of
// handing it to another goroutine; while it runs the connection is not
// read, and Conn.HandOver starts another reader at once.
//
// A connection without a raw file descriptor (a *tls.Conn, when the
// http.Server serves TLS) falls back to a reader blocked on a pooled buffer
// and to drain goroutines for every write, with no poller; the protocol is
// the same.
//
// # Websocket framing
//
// Frames are read and written with github.com/gobwas/ws (header parsing and
// checks, masking, the HTTP upgrade), chosen over gorilla/websocket and
// coder/websocket by measurement (tools/wsframing, this machine: 2 shared
// vCPUs, Go 1.26; medians of 5):
//
//	                     per message (read one     idle connection, over a
//	                     client frame, write one)  held TCP connection
//	gorilla/websocket    369 ns, 1 alloc           15.3 KiB (10.6 KiB with the reader on a fresh goroutine)
//	coder/websocket      1,777 ns, 0 allocs        21.1 KiB
//	gobwas/ws            191 ns, 0 allocs          1.5 KiB (reader waiting on the RawConn, fresh goroutine)
//
// gobwas/ws leaves every buffer to the caller, which is what lets an idle
// connection hold none: gorilla keeps a read and a write buffer per
// connection, coder its buffered reader and writer. Each has one goroutine
// per idle connection. The reader runs on a goroutine of its own (or the
// poller takes the connection) rather than on the HTTP server's, so that
// the server's request state and buffers are freed after the upgrade
// (13.8 KiB → 1.5 KiB per idle connection). The engine's whole cost per
// idle websocket, its Conn with the handshake's headers and query and its
// timer included, is 1.6 KiB of heap and stack and no goroutine over a
// held TCP connection with the poller, 3.9 KiB and one goroutine without
// it (BenchmarkIdleWebsockets1000), and an echo round trip allocates
// nothing on the server in either mode (BenchmarkEchoWebsocket).
package engine
