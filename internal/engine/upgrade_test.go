package engine_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// A probe that does not complete within UpgradeTimeout is closed; the
// session goes on over long-polling, and may probe again.
func TestUpgradeTimeoutKeepsPolling(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{UpgradeTimeout: 2 * time.Second})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	ws := s.probe(t, sid)
	waitClosed(t, ws) // no upgrade packet: closed at the deadline
	require.Equal(t, engine.TransportPolling, c.Transport())

	status, body := s.push(t, sid, "4still polling")
	require.Equal(t, http.StatusOK, status, body)
	status, body = s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4still polling", body)

	ws2, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	writeText(t, ws2, "2probe")
	require.Equal(t, "3probe", readText(t, ws2))
	writeText(t, ws2, "5")
	writeText(t, ws2, "4upgraded")
	require.Equal(t, "4upgraded", readText(t, ws2))
	require.Empty(t, rec.closes)
}

// Anything but "2probe" then "5" on a probing websocket closes that
// websocket, not the session; a message sent before the upgrade packet is
// not delivered.
func TestUpgradeOutOfOrderClosesOnlyTheProbe(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	for _, seq := range [][]string{{"5"}, {"4early"}, {"2probe", "4early"}, {"2probe", "2probe"}, {"3probe"}} {
		ws, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
		require.NoError(t, err)
		for _, p := range seq {
			_ = ws.WriteMessage(websocket.TextMessage, []byte(p)) // the server may have closed it already
		}
		waitClosed(t, ws)
		require.Equal(t, engine.TransportPolling, c.Transport(), "%q", seq)
	}
	require.Empty(t, rec.msgs)
	require.Empty(t, rec.closes)
	status, _ := s.push(t, sid, "4fine")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "fine", rec.nextMessage(t).data)
}

// "closes the session upon cancelled polling request": a client that gives
// up its GET has lost whatever that GET would have carried.
func TestCancelledGetClosesSession(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	rec.nextOpen(t)
	conn, err := net.Dial("tcp", s.http.Listener.Addr().String())
	require.NoError(t, err)
	_, err = fmt.Fprintf(conn, "GET /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n\r\n", sid)
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond) // usually waiting by now; if not, it is read from the socket later
	require.NoError(t, conn.Close())
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	status, _ := s.poll(t, sid)
	require.Equal(t, http.StatusBadRequest, status)
}

// A message POSTed after the probe is answered and before the upgrade
// packet (the client had it on its way when it paused long-polling) is
// delivered; the reply sent while delivering it waits in the long-polling
// output, and once the upgrade packet comes it arrives on the websocket,
// before what follows. A GET made meanwhile ends with that reply when it
// finds it, with a noop otherwise.
func TestUpgradeDeliversPostDuringProbe(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	ws := s.probe(t, sid)

	status, body := s.push(t, sid, "4sent during the probe\x1e4and another")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "sent during the probe", rec.nextMessage(t).data)
	require.Equal(t, "and another", rec.nextMessage(t).data)
	require.Equal(t, engine.TransportPolling, c.Transport())
	require.NoError(t, c.Send([]byte("queued after the POST"), false))

	writeText(t, ws, "5")
	for _, want := range []string{"4sent during the probe", "4and another", "4queued after the POST"} {
		require.Equal(t, want, readText(t, ws))
	}
	require.Equal(t, engine.TransportWebsocket, c.Transport())
	writeText(t, ws, "4over ws")
	require.Equal(t, "over ws", rec.nextMessage(t).data)
	require.Equal(t, "4over ws", readText(t, ws))
	require.Empty(t, rec.closes)

	// the same with a GET between the probe and the upgrade: it takes the
	// replies (long-polling is still the transport), the websocket gets
	// what comes after the upgrade only
	sid2 := s.handshake(t).Sid
	c2 := rec.nextOpen(t)
	ws2, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid2, nil)
	require.NoError(t, err)
	writeText(t, ws2, "2probe")
	require.Equal(t, "3probe", readText(t, ws2))
	status, body = s.push(t, sid2, "4before the GET")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "before the GET", rec.nextMessage(t).data)
	status, body = s.poll(t, sid2)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4before the GET", body)
	status, body = s.poll(t, sid2)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "6", body, "a GET while the probe is answered ends with a noop")
	writeText(t, ws2, "5")
	require.NoError(t, c2.Send([]byte("after the upgrade"), false))
	require.Equal(t, "4after the upgrade", readText(t, ws2))
	require.Empty(t, rec.closes)
}

// A GET waiting when the probe is answered is not ended together with
// "3probe": the client gets time to pause long-polling before its GET
// ends (the zishang520 Go client never completes a pause whose GET ended
// while it set the pause up). Output sent meanwhile ends it; so does the
// upgrade packet, with a noop. The noop's delay is stretched here so that
// nothing but the output or the upgrade can end the GET; a websocket ping
// sent after "2probe" tells when the server is done with the probe (its
// pong follows).
func TestProbeAnswerDoesNotEndTheWaitingGet(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	engine.SetProbeNoopDelay(s.Server, time.Hour)
	for _, end := range []string{"output", "upgrade"} {
		sid := s.handshake(t).Sid
		c := rec.nextOpen(t)
		got := make(chan string, 1)
		go func() {
			_, body, err := get(s.url + "?EIO=4&transport=polling&sid=" + sid)
			if err != nil {
				body = err.Error()
			}
			got <- body
		}()
		eventually(t, "the GET waits", func() bool { return engine.GetWaiting(c) })
		ws, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
		require.NoError(t, err)
		texts, pongs := readAll(ws)
		writeText(t, ws, "2probe")
		require.NoError(t, ws.WriteControl(websocket.PingMessage, []byte("sync"), time.Now().Add(wait)))
		require.Equal(t, "3probe", next(t, texts))
		require.Equal(t, "sync", next(t, pongs))
		require.True(t, engine.GetWaiting(c), "the GET still waits after 3probe (%s)", end)
		if end == "output" {
			require.NoError(t, c.Send([]byte("after the probe"), false))
			require.Equal(t, "4after the probe", next(t, got), "the GET was still waiting")
			writeText(t, ws, "5")
			require.NoError(t, c.Send([]byte("over ws"), false))
			require.Equal(t, "4over ws", next(t, texts))
		} else {
			writeText(t, ws, "5")
			require.Equal(t, "6", next(t, got), "the upgrade ends the waiting GET")
		}
		require.Equal(t, engine.TransportWebsocket, c.Transport(), end)
	}
	require.Empty(t, rec.closes)
}

// readAll reads ws in a goroutine until it fails: text messages on one
// channel, pong payloads on the other.
func readAll(ws *websocket.Conn) (<-chan string, <-chan string) {
	texts, pongs := make(chan string, 16), make(chan string, 16)
	ws.SetPongHandler(func(data string) error { pongs <- data; return nil })
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			texts <- string(b)
		}
	}()
	return texts, pongs
}

// A client that goes on long-polling during an answered probe (it missed
// "3probe", or does not pause) gets each GET answered with a noop after
// ProbeNoopDelay, not at once: it cannot turn the probe into a loop of
// requests. Over any span, the GETs number at most one per delay, plus
// one. The probe still completes afterwards.
func TestProbeGetsAreNotABusyLoop(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	ws := s.probe(t, sid)

	const span = time.Second
	gets := 0
	start := time.Now()
	for time.Since(start) < span {
		status, body := s.poll(t, sid)
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, "6", body)
		gets++
	}
	elapsed := time.Since(start)
	bound := int(elapsed/engine.ProbeNoopDelay) + 1
	t.Logf("%d GETs in %v during the probe (at most %d)", gets, elapsed.Round(time.Millisecond), bound)
	require.LessOrEqual(t, gets, bound)

	writeText(t, ws, "5")
	require.NoError(t, c.Send([]byte("upgraded"), false))
	require.Equal(t, "4upgraded", readText(t, ws))
	require.Empty(t, rec.closes)
}

// get is a GET for goroutines other than the test's.
func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
