package adapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
	sioadapter "github.com/zishang520/socket.io/adapters/adapter/v3"
)

// encodeMessage encodes a cluster message for Redis in a form the upstream
// adapters decode.
//
// Upstream sends JSON and its receivers decode every number into a
// float64: an int64 beyond 2^53 arrives changed. A broadcast whose packet
// carries rtkit payloads (json.RawMessage) is therefore sent as
// MessagePack, which upstream receivers also accept and which keeps
// integers as integers; each payload is converted into plain values
// (integers as int64 or uint64). The receivers re-encode those values as
// JSON text for their clients, never as binary attachments (a
// json.RawMessage given to MessagePack as it is would become one).
func encodeMessage(m *sioadapter.ClusterMessage) ([]byte, error) {
	if bm, ok := m.Data.(*sioadapter.BroadcastMessage); ok && bm.Packet != nil {
		if args, ok := bm.Packet.Data.([]any); ok && hasRaw(args) {
			conv := make([]any, len(args))
			for i, a := range args {
				v, err := plain(a)
				if err != nil {
					return nil, err
				}
				conv[i] = v
			}
			pkt := *bm.Packet
			pkt.Data = conv
			cp := *bm
			cp.Packet = &pkt
			mc := *m
			mc.Data = &cp
			return msgpack.Marshal(&mc)
		}
	}
	return json.Marshal(m)
}

func hasRaw(args []any) bool {
	for _, a := range args {
		if _, ok := a.(json.RawMessage); ok {
			return true
		}
	}
	return false
}

// plain turns a json.RawMessage into maps, slices, strings, booleans and
// numbers that MessagePack encodes exactly; other values pass unchanged.
func plain(a any) (any, error) {
	raw, ok := a.(json.RawMessage)
	if !ok {
		return a, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("adapter: payload is not JSON: %w", err)
	}
	return numbers(v), nil
}

// numbers replaces json.Number values by int64, uint64 or float64.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return string(x) // beyond float64: no JSON peer could read it either
		}
		return f
	}
	return v
}
