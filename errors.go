package rtkit

import (
	"errors"
	"fmt"
	"time"
)

// Code is the machine-readable kind of an [Error]. Clients switch on it, so a
// code never changes meaning once published. Applications may declare their
// own codes next to the ones below.
type Code string

// The codes rtkit itself produces.
const (
	// CodeValidation: the payload did not match the event's schema. Details
	// lists one entry per offending field.
	CodeValidation Code = "VALIDATION_ERROR"
	// CodeUnauthorized: the caller is not authenticated.
	CodeUnauthorized Code = "UNAUTHORIZED"
	// CodeForbidden: the caller is authenticated but not allowed to do this.
	CodeForbidden Code = "FORBIDDEN"
	// CodeNotFound: the thing the payload names does not exist.
	CodeNotFound Code = "NOT_FOUND"
	// CodeRateLimited: too many events; RetryAfter says when to try again.
	CodeRateLimited Code = "RATE_LIMITED"
	// CodeUnknownEvent: no handler is registered for the event name.
	CodeUnknownEvent Code = "UNKNOWN_EVENT"
	// CodeTimeout: an acknowledgement did not arrive before the deadline,
	// or a handler did not finish before its deadline (WithHandlerTimeout).
	CodeTimeout Code = "TIMEOUT"
	// CodeUnavailable: the server is shutting down and takes no new work,
	// or cannot take this event now (too many of its handlers are past
	// their deadline: WithMaxOverdueHandlers).
	CodeUnavailable Code = "UNAVAILABLE"
	// CodeInternal: something failed on the server. The message sent to the
	// client is generic; the cause is logged.
	CodeInternal Code = "INTERNAL"
)

// ErrorDetail is one entry of [Error.Details]: for validation errors, the
// JSON Pointer of the offending field and what is wrong with it.
type ErrorDetail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is the one error type rtkit sends to clients. Handlers return it to
// answer with a specific code; any other error becomes [CodeInternal] with a
// generic message, and its text is only logged.
//
// rtkit never modifies an *Error once created and keeps no shared *Error
// values of its own: each one it returns or hands to middleware is new. An
// *Error you receive (from errors.As, from next in a middleware) may be
// your own value or another package's, so never assign to its fields:
// build a new one, or use WithCause, which copies. Treated this way, an
// *Error is safe to share between goroutines.
type Error struct {
	// Code is what clients switch on.
	Code Code
	// Message is a human-readable sentence for the client. It must not carry
	// internal details: it is sent as is.
	Message string
	// Details, for CodeValidation, lists the offending fields.
	Details []ErrorDetail
	// RetryAfter, for CodeRateLimited, tells the client when a retry can
	// succeed. It is sent as retryAfterMs.
	RetryAfter time.Duration
	// Disconnect, when set, makes the server disconnect the socket once
	// this error has been sent: the client learns why before it goes.
	Disconnect bool

	cause error
}

// NewError returns an *Error with the given code and client-facing message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an *Error whose message is formatted with fmt.Sprintf.
// Unlike fmt.Errorf it does not wrap: the message goes to the client.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithCause returns a copy of e that wraps cause. The cause is logged by the
// server and reachable through errors.Is/As, but never sent to the client.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("rtkit: %s: %s: %v", e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("rtkit: %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause given to WithCause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, rtkit.NewError(rtkit.CodeNotFound, "")) matches by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// CodeOf returns the code of the first *Error in err's chain, CodeInternal
// for any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Sentinel errors returned by the API (not sent to clients as such).
var (
	// ErrNotMounted: the namespace has not been mounted on a server yet.
	ErrNotMounted = errors.New("rtkit: namespace is not mounted on a server")
	// ErrNotDeclared: the event was not declared with Emits on the namespace.
	ErrNotDeclared = errors.New("rtkit: event not declared on this namespace")
	// ErrDisconnected: the socket disconnected before the operation completed.
	ErrDisconnected = errors.New("rtkit: socket disconnected")
	// ErrServerClosed: the server was shut down.
	ErrServerClosed = errors.New("rtkit: server closed")
)

// wireError is the JSON form of an *Error inside the acknowledgement
// envelope and the "error" event.
type wireError struct {
	Code         Code          `json:"code"`
	Message      string        `json:"message"`
	Event        string        `json:"event,omitempty"`
	Details      []ErrorDetail `json:"details,omitempty"`
	RetryAfterMs int64         `json:"retryAfterMs,omitempty"`
}

// internalMessage is what clients see for any failure that is not an
// *Error, and for every INTERNAL one.
const internalMessage = "internal server error"

// publicError converts any error into the *Error a client may see. It
// reports whether err was an unexpected (non-*Error) failure that the caller
// should log.
func publicError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == CodeInternal {
			// Even a deliberate INTERNAL keeps its message generic.
			return &Error{Code: CodeInternal, Message: internalMessage}, true
		}
		return e, false
	}
	return &Error{Code: CodeInternal, Message: internalMessage}, true
}

func (e *Error) wire(event string) wireError {
	w := wireError{Code: e.Code, Message: e.Message, Event: event, Details: e.Details}
	if e.RetryAfter > 0 {
		// Rounded up: a client that waits exactly this long must succeed.
		w.RetryAfterMs = int64((e.RetryAfter + time.Millisecond - 1) / time.Millisecond)
	}
	return w
}
