package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adapter/internal/nodepeer"
	"github.com/rtkit-go/rtkit/internal/chatcontract"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestMixedServers: an rtkit server and a Node.js socket.io 4.8 server
// with @socket.io/redis-adapter serve /chat together, end to end through
// rtkit's public API, sharded and classic: each one's broadcasts reach
// the other's clients, the official Node emitter reaches rtkit's clients, rtkit's counts, fetches, acknowledgements and
// server events include the Node server, and Node's socketsJoin is a
// server-side join on rtkit's sockets.
func TestMixedServers(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(map[bool]string{false: "Sharded", true: "Classic"}[classic], func(t *testing.T) {
			r := redistest.Start(t)
			peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL(), Classic: classic})
			ns := newNamespace()
			rtkit.HandleServer(ns, chatcontract.ServerWho, func(context.Context, chatcontract.Who) (chatcontract.Whoami, error) {
				return chatcontract.Whoami{PID: 4242}, nil
			})
			srv := rtkit.NewServer(rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Classic: classic, Logger: quiet()})),
				rtkit.WithLogger(quiet()))
			srv.Mount(ns)
			n := node{ns: ns, srv: rtkittest.Start(t, srv)}
			ctx := func(d time.Duration) context.Context {
				c, cancel := context.WithTimeout(context.Background(), d)
				t.Cleanup(cancel)
				return c
			}

			onRtkit := n.dial(t, "r:1")
			inRtkit := rtkittest.Listen(onRtkit, noteNew)
			rtkittest.Answer(onRtkit, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })
			onNode := rtkittest.Remote(peer.URL, "").Dial(t, "/chat", rtkittest.WithAuth(map[string]any{"rooms": "r:1"}))
			inNode := rtkittest.Listen(onNode, noteNew)
			rtkittest.Answer(onNode, askChat, func(q Question) Answer { return Answer{N: 10 * len(q.Q)} })
			require.Eventually(t, func() bool {
				c, err := n.ns.To("r:1").Count(ctx(2 * time.Second))
				return err == nil && c == 2
			}, 10*time.Second, 50*time.Millisecond, "rtkit counts the Node server's socket")

			// rtkit → Node client, typed and validated on the way out.
			require.NoError(t, rtkit.Emit(n.ns.To("r:1"), noteNew, Note{Text: "from rtkit", ID: 7, Tags: []string{"x"}}))
			got, err := next(inNode, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, Note{Text: "from rtkit", ID: 7, Tags: []string{"x"}}, got)
			got, err = next(inRtkit, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, "from rtkit", got.Text, "rtkit's own client too")

			// Node → rtkit client.
			peer.Must(t, "emit", map[string]any{"rooms": []string{"r:1"}, "event": "note:new",
				"args": []any{map[string]any{"text": "from node", "id": 8}}})
			got, err = next(inRtkit, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, Note{Text: "from node", ID: 8}, got)

			// The official Node emitter (classic Pub/Sub) → rtkit client,
			// in both modes.
			peer.Must(t, "emitterEmit", map[string]any{"rooms": []string{"r:1"}, "event": "note:new",
				"args": []any{map[string]any{"text": "from emitter", "id": 9}}})
			got, err = next(inRtkit, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, Note{Text: "from emitter", ID: 9}, got)

			// Fetch: both sockets, the Node one described by Node.
			infos, err := n.ns.To("r:1").Fetch(ctx(5 * time.Second))
			require.NoError(t, err)
			ids := []string{}
			for _, i := range infos {
				ids = append(ids, i.ID)
			}
			slices.Sort(ids)
			want := []string{onRtkit.ID(), onNode.ID()}
			slices.Sort(want)
			assert.Equal(t, want, ids)

			// Acknowledgements across: rtkit asks both clients.
			acks, err := rtkit.EmitWithAcks(ctx(5*time.Second), n.ns.To("r:1"), askChat, Question{Q: "abc"})
			require.NoError(t, err)
			ns3 := []int{}
			for _, a := range acks {
				ns3 = append(ns3, a.Data.N)
			}
			slices.Sort(ns3)
			assert.Equal(t, []int{3, 30}, ns3)

			// Node's serverSideEmitWithAck runs rtkit's HandleServer.
			var res struct {
				Answers []json.RawMessage `json:"answers"`
				Error   string            `json:"error"`
			}
			require.NoError(t, json.Unmarshal(peer.Must(t, "serverSideEmitWithAck", map[string]any{"event": "node:who", "args": []any{map[string]any{}}}), &res))
			assert.Empty(t, res.Error)
			require.Len(t, res.Answers, 1)
			assert.Contains(t, string(res.Answers[0]), `4242`, "rtkit's handler answered Node: %s", res.Answers[0])

			// Node's socketsJoin: a server-side join of rtkit's socket.
			peer.Must(t, "socketsJoin", map[string]any{"rooms": []string{onRtkit.ID()}, "join": []string{"r:joined"}})
			require.Eventually(t, func() bool {
				c, err := n.ns.To("r:joined").Count(ctx(2 * time.Second))
				return err == nil && c == 1
			}, 5*time.Second, 50*time.Millisecond, "Node's socketsJoin put rtkit's socket in r:joined")

			// Node's disconnectSockets reaches rtkit's socket.
			peer.Must(t, "disconnectSockets", map[string]any{"rooms": []string{"r:joined"}})
			require.Eventually(t, func() bool { return !onRtkit.Connected() }, 5*time.Second, 20*time.Millisecond)
			assert.True(t, onNode.Connected(), "Node's own socket was not in r:joined: %v", fmt.Sprint(ids))
		})
	}
}
