package adapter

import (
	"context"

	"github.com/rtkit-go/rtkit"
)

// Open is rtkit.Adapter's: the Sharded adapter still delivers through the
// zishang520 server's adapter interface (Constructor), which the server
// uses in its place, so the namespace adapter it returns reaches nobody.
func (a *Sharded) Open(context.Context, string, rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	return solo{}, nil
}

// solo is a namespace adapter without other servers.
type solo struct{}

func (solo) Broadcast(context.Context, rtkit.Packet, rtkit.Selection) error { return nil }
func (solo) SocketsJoin(context.Context, rtkit.Selection, []string) error   { return nil }
func (solo) SocketsLeave(context.Context, rtkit.Selection, []string) error  { return nil }
func (solo) DisconnectSockets(context.Context, rtkit.Selection, bool) error { return nil }
func (solo) ServerCount(context.Context) (int, error)                       { return 1, nil }
func (solo) Close() error                                                   { return nil }
func (solo) FetchSockets(context.Context, rtkit.Selection, func([]rtkit.RemoteSocket)) (int, error) {
	return 0, nil
}
func (solo) ServerSideEmit(context.Context, []any, func([]any)) (int, error) { return 0, nil }
func (solo) BroadcastWithAck(context.Context, rtkit.Packet, rtkit.Selection, func(int), func(rtkit.AckAnswer)) (int, error) {
	return 0, nil
}
