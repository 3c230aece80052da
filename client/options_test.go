package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
)

func TestBackoffGrowsWithJitterUpToMax(t *testing.T) {
	t.Parallel()
	b := client.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Jitter: 0.5}
	for n, base := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		base *= time.Millisecond
		seen := map[time.Duration]bool{}
		for range 50 {
			d := b.Delay(n)
			require.GreaterOrEqual(t, d, base/2, "attempt %d", n)
			require.LessOrEqual(t, d, base*3/2, "attempt %d", n)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 1, "attempt %d: jitter spreads the delays", n)
	}
	exact := client.Backoff{Initial: 10 * time.Millisecond, Jitter: -1}
	assert.Equal(t, 40*time.Millisecond, exact.Delay(2))
	assert.Equal(t, 10*time.Second, exact.Delay(100), "the default maximum")
	assert.Equal(t, 500*time.Millisecond, client.Backoff{Jitter: -1}.Delay(0), "the default first delay")
}

// A server behind TLS: the client trusts what Options.TLS says, and
// refuses a certificate it does not.
func TestDialOverTLS(t *testing.T) {
	t.Parallel()
	ns := rtkit.NewNamespace("/t")
	rtkit.Handle(ns, evEcho, func(_ context.Context, _ *rtkit.Socket, in echoIn) (echoOut, error) {
		return echoOut{Text: in.Text, N: 1}, nil
	})
	srv := rtkit.NewServer()
	srv.Mount(ns)
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	hs := httptest.NewTLSServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	roots := x509.NewCertPool()
	roots.AddCert(hs.Certificate())

	for _, tr := range [][]client.Transport{{client.Websocket}, {client.Polling, client.Websocket}} {
		c, err := client.Dial(ctx(t), hs.URL+"/t", client.Options{TLS: &tls.Config{RootCAs: roots}, Transports: tr})
		require.NoError(t, err, "%v", tr)
		out, err := client.Call(ctx(t), c, evEcho, echoIn{Text: "secure"})
		require.NoError(t, err)
		assert.Equal(t, "secure", out.Text)
		require.NoError(t, c.Close())
	}

	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := client.Dial(short, hs.URL+"/t", client.Options{}) // the system's roots do not know it
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
