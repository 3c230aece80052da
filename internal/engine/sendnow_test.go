package engine

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// tcpPair returns both ends of a TCP connection over 127.0.0.1.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return server.(*net.TCPConn), client.(*net.TCPConn)
}

// send calls sendNow on c's descriptor, as the websocket flush does.
func send(t *testing.T, c *net.TCPConn, b []byte) (int, error) {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n int
	var werr error
	require.NoError(t, rc.Write(func(fd uintptr) bool {
		n, werr = sendNow(fd, b)
		return true
	}))
	return n, werr
}

// sendNow delivers the bytes it reports, and nothing for an empty slice.
func TestSendNowDelivers(t *testing.T) {
	server, client := tcpPair(t)
	n, err := send(t, server, nil)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = send(t, server, []byte("hello"))
	require.NoError(t, err)
	require.Equal(t, 5, n)
	got := make([]byte, 5)
	_, err = client.Read(got)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))
}

// A client that does not read cannot make sendNow wait: once the socket
// buffers are full it returns EAGAIN (the flush then leaves the rest to a
// drain goroutine).
func TestSendNowNeverWaitsForASlowReader(t *testing.T) {
	server, _ := tcpPair(t)
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		require.Less(t, i, 10_000, "socket buffers never filled")
		_, err := send(t, server, chunk)
		if err != nil {
			require.ErrorIs(t, err, syscall.EAGAIN)
			return
		}
	}
}

// Writing to a connection the client has reset returns an error; no
// signal reaches the process.
func TestSendNowAfterReset(t *testing.T) {
	server, client := tcpPair(t)
	require.NoError(t, client.SetLinger(0))
	require.NoError(t, client.Close())
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = send(t, server, []byte("x"))
	}
	require.Error(t, err)
	require.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "got %v", err)
}
