package rtkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A socket's id is a room with that socket in it, whoever else joined a
// room of that name, without the namespace keeping a map for it.
func TestSocketIDRooms(t *testing.T) {
	ns := &nNamespace{n: &Namespace{}, sockets: map[string]*nSocket{}, rooms: map[string]map[*nSocket]struct{}{}}
	a := &nSocket{ns: ns, sid: "A", joined: map[string]struct{}{}, listed: true}
	b := &nSocket{ns: ns, sid: "B", joined: map[string]struct{}{}, listed: true}
	ns.sockets["A"], ns.sockets["B"] = a, b
	b.join("A", "B") // its own id is ignored
	assert.Empty(t, ns.rooms["B"])
	assert.ElementsMatch(t, []*nSocket{a, b}, ns.selectSockets([]string{"A"}, nil))
	assert.ElementsMatch(t, []*nSocket{b}, ns.selectSockets([]string{"B"}, nil))
	assert.ElementsMatch(t, []*nSocket{a, b}, ns.selectSockets([]string{"A", "B"}, nil), "once each")
	assert.Empty(t, ns.selectSockets([]string{"B"}, []string{"A"}))
	assert.ElementsMatch(t, []*nSocket{a}, ns.selectSockets(nil, []string{"B"}))
	assert.Empty(t, ns.selectSockets([]string{"C"}, nil))
	b.leave("A")
	assert.ElementsMatch(t, []*nSocket{a}, ns.selectSockets([]string{"A"}, nil))
}
