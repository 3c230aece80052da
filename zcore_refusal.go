package rtkit

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// codedParser is the Socket.IO parser of the server: the library's own,
// with an encoder that gives every CONNECT_ERROR packet rtkit's coded form.
//
// The wire conventions promise data: {code} with every refusal (the Go
// client loses the message otherwise), but the underlying server refuses a
// namespace that does not exist on its own, with {message} alone. Middleware
// refusals already carry data and pass unchanged.
type codedParser struct{ parser.Parser }

func (p codedParser) NewEncoder() parser.Encoder {
	return codedEncoder{p.Parser.NewEncoder()}
}

type codedEncoder struct{ parser.Encoder }

func (e codedEncoder) Encode(p *parser.Packet) []types.BufferInterface {
	if p.Type == parser.CONNECT_ERROR {
		if m, ok := p.Data.(map[string]any); ok {
			if _, has := m["data"]; !has {
				code := CodeInternal
				if m["message"] == "Invalid namespace" {
					code = CodeNotFound
				}
				coded := make(map[string]any, len(m)+1)
				for k, v := range m {
					coded[k] = v
				}
				coded["data"] = map[string]any{"code": string(code)}
				q := *p
				q.Data = coded
				p = &q
			}
		}
	}
	return e.Encoder.Encode(p)
}
