package rtkit

import (
	"context"
	"time"
)

// maxLinkWork bounds the requests of other servers this server works on at
// once; beyond it, requests are dropped (and their requesters time out).
const maxLinkWork = 256

// maxLinkWait bounds how long this server works for another's request.
const maxLinkWait = time.Minute

// withWait gives ctx the server's acknowledgement timeout when it has no
// deadline: nothing waits for other servers without one.
func (s *Server) withWait(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.ackTimeout)
}
