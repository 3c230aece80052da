package ratelimit

import (
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Limit allows Events per Per, with bursts up to Burst (default: Events).
// The zero Limit is off.
type Limit struct {
	Events int
	Per    time.Duration
	Burst  int
}

// PerMinute returns a limit of n events a minute.
func PerMinute(n int) Limit { return Limit{Events: n, Per: time.Minute} }

// PerSecond returns a limit of n events a second.
func PerSecond(n int) Limit { return Limit{Events: n, Per: time.Second} }

// Off reports whether the limit is the zero, disabled one.
func (l Limit) Off() bool { return l.Events <= 0 || l.Per <= 0 }

// burst returns the bucket size.
func (l Limit) burst() int {
	if l.Burst > 0 {
		return l.Burst
	}
	return l.Events
}

// String renders the limit as "100/1m0s".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", l.Events, l.Per)
}

// MarshalJSON renders the limit for the spec: {"events":100,"perMs":60000,"burst":100}.
func (l Limit) MarshalJSON() ([]byte, error) {
	if l.Off() {
		return []byte("null"), nil
	}
	return fmt.Appendf(nil, `{"events":%d,"perMs":%d,"burst":%d}`, l.Events, l.Per.Milliseconds(), l.burst()), nil
}

// CodeTooManyConnections refuses a connection when a user or an address
// has too many sockets open at once.
const CodeTooManyConnections rtkit.Code = "TOO_MANY_CONNECTIONS"

type costKey struct{}

// cost is what Cost attaches to an event.
type cost int

func (c cost) SpecAnnotation() (string, any) { return "rateLimitCost", int(c) }

// Cost declares that the event counts n times against every event limit
// (an expensive subscription, say). n below 1 counts as 1.
func Cost(n int) rtkit.EventOption {
	return rtkit.WithValue(costKey{}, cost(max(n, 1)))
}

func costOf(info *rtkit.EventInfo) int {
	if c, ok := info.Value(costKey{}).(cost); ok {
		return int(c)
	}
	return 1
}
