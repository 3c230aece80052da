package rtkit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// TestServerEventsHonourOutboundValidation: WithOutboundValidation(false)
// covers what a server sends to other servers as it covers what it sends
// to clients. The sender's payload goes out unchecked (and the receiver,
// which validates what it receives, refuses it), and the receiver's
// answer goes out unchecked (and the sender refuses it): both times as the
// same VALIDATION_ERROR a client gets, never the sender's own INTERNAL.
func TestServerEventsHonourOutboundValidation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		outbound bool
		// payload is refused on the sender (plain error) when outbound
		// validation is on, by the receiver (VALIDATION_ERROR) when off.
		payloadCode rtkit.Code
		// a broken answer is refused by the receiver (INTERNAL) when on,
		// by the sender (VALIDATION_ERROR) when off.
		answerCode rtkit.Code
	}{
		{"on", true, "", rtkit.CodeInternal},
		{"off", false, rtkit.CodeValidation, rtkit.CodeValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &hub{}
			var nss []*rtkit.Namespace
			for range 2 {
				ns := newTestNamespace()
				rtkit.HandleServer(ns, evFlush, func(_ context.Context, f Flush) (Flushed, error) {
					return Flushed{Dropped: -1}, nil // breaks minimum=0
				})
				startWithNamespace(t, ns, rtkit.WithAdapter(h.adapter(false)), rtkit.WithOutboundValidation(tc.outbound))
				nss = append(nss, ns)
			}
			_, err := rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{})
			require.Error(t, err)
			if tc.outbound {
				assert.ErrorContains(t, err, "does not match its schema", "refused before sending")
			} else {
				var e *rtkit.Error
				require.ErrorAs(t, err, &e, "sent, refused by the receiver")
				assert.Equal(t, tc.payloadCode, e.Code)
				assert.Equal(t, []rtkit.ErrorDetail{{Path: "/key", Message: "minLength: got 0, want 1"}}, e.Details)
			}

			_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "k"})
			assert.Equal(t, tc.answerCode, rtkit.CodeOf(err), "%v", err)
			if !tc.outbound {
				var e *rtkit.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, []rtkit.ErrorDetail{{Path: "/dropped", Message: "minimum: got -1, want 0"}}, e.Details)
			}
		})
	}
}
