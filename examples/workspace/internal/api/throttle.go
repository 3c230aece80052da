package api

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/rtkit-go/rtkit/ratelimit"
)

// Throttle limits sign-ups and sign-ins, which cost a bcrypt hash each and
// are what a password guesser repeats: per client address (every attempt)
// and per account (sign-ins, from all addresses together). Its budgets
// live in Store: in memory, or in Redis so that every process shares them.
type Throttle struct {
	Store ratelimit.Store
	// PerAddress limits attempts per client address.
	PerAddress ratelimit.Limit
	// PerAccount limits sign-ins per account.
	PerAccount ratelimit.Limit
}

// address takes one attempt from the budget of the request's address.
func (t *Throttle) address(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return t.take(r, "auth:addr:"+host, t.PerAddress)
}

// account takes one sign-in from the budget of email.
func (t *Throttle) account(r *http.Request, email string) error {
	return t.take(r, "auth:account:"+email, t.PerAccount)
}

func (t *Throttle) take(r *http.Request, key string, l ratelimit.Limit) error {
	if t == nil || t.Store == nil || l.Off() {
		return nil
	}
	wait, err := t.Store.Take(r.Context(), key, l, 1)
	if err != nil {
		// Without its budgets the throttle cannot tell; it refuses.
		return &apiError{status: http.StatusServiceUnavailable, Code: "UNAVAILABLE",
			Message: "sign-in is unavailable, retry later", cause: err}
	}
	if wait > 0 {
		return &apiError{status: http.StatusTooManyRequests, Code: "RATE_LIMITED",
			Message: "too many attempts, retry later", RetryAfterMs: wait.Milliseconds()}
	}
	return nil
}

// retryAfter sets the Retry-After header, in whole seconds rounded up.
func retryAfter(w http.ResponseWriter, ms int64) {
	secs := (time.Duration(ms)*time.Millisecond + time.Second - 1) / time.Second
	w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
}
