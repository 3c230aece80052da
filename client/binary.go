package client

import "github.com/zishang520/socket.io/v3/pkg/types"

// plainBinary turns the Socket.IO library's binary values (the
// attachments of what the server sent) into []byte, in place, at any depth
// of []any and map[string]any: encoding/json then writes them as base64,
// the JSON form of an rtkit.Binary, which the event's schema validates and
// encoding/json decodes into the Binary field.
func plainBinary(v any) any {
	switch x := v.(type) {
	case types.BufferInterface:
		return x.Bytes()
	case []any:
		for i, e := range x {
			x[i] = plainBinary(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = plainBinary(e)
		}
	}
	return v
}
