package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
)

// ConnectError is a refused connection: the server's connect_error. rtkit
// sends its code in data.code ("UNAUTHORIZED", …).
type ConnectError struct {
	Message string
	Code    rtkit.Code
	// Data is the whole data object the server sent.
	Data map[string]any
}

// Error implements the error interface.
func (e *ConnectError) Error() string {
	if e.Code == "" {
		return "client: connection refused: " + e.Message
	}
	return fmt.Sprintf("client: connection refused: %s (%s)", e.Message, e.Code)
}

// connectError turns connect_error's arguments into a *ConnectError when
// the server sent one, or the library's own error (a transport failure).
func connectError(args []any) error {
	var err error = errors.New("client: connect_error without detail")
	if len(args) > 0 {
		if e, ok := args[0].(error); ok {
			err = e
		}
	}
	var xe *types.ExtendedError
	if errors.As(err, &xe) {
		ce := &ConnectError{Message: xe.Message}
		if m, ok := xe.Data.(map[string]any); ok {
			ce.Data = m
			if code, ok := m["code"].(string); ok {
				ce.Code = rtkit.Code(code)
			}
		}
		return ce
	}
	return fmt.Errorf("client: connection failed: %w", err)
}

// envelope is rtkit's acknowledgement envelope.
type envelope struct {
	Success *bool           `json:"success"`
	Data    json.RawMessage `json:"data"`
	Error   *wireError      `json:"error"`
}

// wireError is an error as it travels, in an envelope or the "error"
// event.
type wireError struct {
	Code         rtkit.Code          `json:"code"`
	Message      string              `json:"message"`
	Event        string              `json:"event,omitempty"`
	Details      []rtkit.ErrorDetail `json:"details,omitempty"`
	RetryAfterMs int64               `json:"retryAfterMs,omitempty"`
}

// asError returns the *rtkit.Error w carries, every field included.
func (w *wireError) asError() *rtkit.Error {
	return &rtkit.Error{Code: w.Code, Message: w.Message, Details: w.Details,
		RetryAfter: time.Duration(w.RetryAfterMs) * time.Millisecond}
}

// decodeAck reads the acknowledgement's arguments: the data on success,
// the server's *rtkit.Error on failure, or an error saying why the answer
// is not an envelope.
func decodeAck(args []any) (json.RawMessage, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%w: empty acknowledgement", ErrContract)
	}
	b, err := json.Marshal(plainBinary(args[0]))
	if err != nil {
		return nil, fmt.Errorf("%w: acknowledgement: %v", ErrContract, err)
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil || env.Success == nil {
		return nil, fmt.Errorf("%w: acknowledgement is not an envelope: %s", ErrContract, truncate(b))
	}
	if !*env.Success {
		if env.Error == nil || env.Error.Code == "" {
			return nil, fmt.Errorf("%w: failure envelope without error: %s", ErrContract, truncate(b))
		}
		return nil, env.Error.asError()
	}
	return env.Data, nil
}

// truncate bounds what a contract error quotes from the server.
func truncate(b []byte) string {
	const max = 200
	if len(b) <= max {
		return string(b)
	}
	return string(b[:max]) + "…"
}
