package auth_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// exProfile answers exMe with the caller's identity.
type exProfile struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

var exMe = rtkit.NewEvent[Empty, exProfile]("me")

// exProfileNamespace serves exMe on /profile: the handler reads the
// principal that authentication put in its context.
func exProfileNamespace() *rtkit.Namespace { return exMeNamespace("/profile") }

// exMeNamespace serves exMe on the named namespace.
func exMeNamespace(name string) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name)
	rtkit.Handle(ns, exMe, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (exProfile, error) {
		p, _ := auth.PrincipalFrom(ctx)
		return exProfile{UserID: p.UserID, Role: p.Role}, nil
	})
	return ns
}

// exCall connects with the given dial options and calls exMe, printing
// what the client sees.
func exCall(ts *rtkittest.Server, opts ...rtkittest.DialOption) {
	client, err := ts.Connect("/profile", opts...)
	if err != nil {
		var ce *rtkittest.ConnectError
		if errors.As(err, &ce) {
			fmt.Printf("refused: %s (%s)\n", ce.Message, ce.Code)
			return
		}
		fmt.Println("error:", err)
		return
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	me, cerr := rtkittest.Call(ctx, client, exMe, Empty{})
	if cerr != nil {
		fmt.Println("error:", cerr.Code, cerr.Message)
		return
	}
	fmt.Printf("connected as %s (%s)\n", me.UserID, me.Role)
}

// An API key table stands for any identity source rtkit has no
// implementation of: Func adapts a function to an Authenticator.
func ExampleFunc() {
	apiKeys := map[string]auth.Principal{
		"key-123": {UserID: "build-bot", Role: "ci"},
	}
	lookup := auth.Func(func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
		p, ok := apiKeys[c.Token()]
		if !ok {
			return auth.Principal{}, auth.ErrInvalidCredentials // logged, not sent
		}
		return p, nil
	})

	srv := rtkit.NewServer(auth.Required(lookup, auth.WithLogger(exQuiet)), rtkit.WithLogger(exQuiet))
	srv.Mount(exProfileNamespace())
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()

	exCall(ts, rtkittest.WithAuth(map[string]any{"token": "key-123"}))
	exCall(ts, rtkittest.WithAuth(map[string]any{"token": "key-999"}))
	exCall(ts)
	// Output:
	// connected as build-bot (ci)
	// refused: Invalid session (UNAUTHORIZED)
	// refused: Authentication required (UNAUTHORIZED)
}
