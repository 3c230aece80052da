package adapter

import (
	"testing"

	rds "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The clients FromURL creates apply a context's deadline to their socket
// reads, so that Options.Timeout bounds a command against a Redis that
// hangs. Nothing is dialled.
func TestClientFromURLHonoursDeadlines(t *testing.T) {
	for _, url := range []string{
		"redis://127.0.0.1:1",
		"redis://127.0.0.1:1/2?read_timeout=3s",
		"redis://127.0.0.1:1?addr=127.0.0.1:2",
		"rediss://u:p@127.0.0.1:1?addr=127.0.0.1:2&read_timeout=2s",
	} {
		c, err := clientFromURL(url)
		require.NoError(t, err, url)
		switch c := c.(type) {
		case *rds.Client:
			assert.True(t, c.Options().ContextTimeoutEnabled, url)
		case *rds.ClusterClient:
			assert.True(t, c.Options().ContextTimeoutEnabled, url)
		default:
			t.Errorf("%s: a %T", url, c)
		}
		require.NoError(t, c.Close())
	}
}
