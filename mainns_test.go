package rtkit_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestMainNamespaceOnlyWhenMounted: the main namespace "/" exists in every
// Socket.IO server, without rtkit's middleware; rtkit refuses it unless a
// Namespace named "/" is mounted.
func TestMainNamespaceOnlyWhenMounted(t *testing.T) {
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(rtkit.NewNamespace("/other"))
	ts := rtkittest.Start(t, srv)
	c := sioraw.Dial(t, ts.URL, nil)
	c.Send("40")
	assert.Equal(t, `44{"data":{"code":"NOT_FOUND"},"message":"Invalid namespace"}`, c.Read())

	srv = rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(rtkit.NewNamespace("/"))
	ts = rtkittest.Start(t, srv)
	c = sioraw.Dial(t, ts.URL, nil)
	c.Send("40")
	assert.True(t, strings.HasPrefix(c.Read(), `40{"sid":`))
}
