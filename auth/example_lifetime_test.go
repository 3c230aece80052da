package auth_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// exShortLived issues sessions of 500 ms: "first" and "second" are two
// tokens of the same user.
var exShortLived = auth.Func(func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
	switch c.Token() {
	case "first", "second":
		return auth.Principal{UserID: "u-1", SessionID: "sess-" + c.Token(),
			ExpiresAt: time.Now().Add(500 * time.Millisecond)}, nil
	}
	return auth.Principal{}, auth.ErrInvalidCredentials
})

// A session that expires ends the connection, unless the client refreshes
// it with auth:refresh first; auth:expired tells the client why it is
// being disconnected.
func ExampleRequired_expiry() {
	srv := rtkit.NewServer(auth.Required(exShortLived, auth.WithLogger(exQuiet)), rtkit.WithLogger(exQuiet))
	srv.Mount(exProfileNamespace())
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/profile", rtkittest.WithAuth(map[string]any{"token": "first"})))
	defer client.Close()
	expired := rtkittest.Listen(client, auth.ExpiredEvent)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	time.Sleep(100 * time.Millisecond)
	out, err := rtkittest.Call(ctx, client, auth.RefreshEvent, auth.RefreshIn{Token: "second"})
	if err != nil {
		fmt.Println("refresh:", err.Code, err.Message)
		return
	}
	fmt.Println("refreshed, expires in less than a second:", time.Until(*out.ExpiresAt) < time.Second)

	notice, nerr := expired.Next(ctx) // nobody refreshes again
	if nerr != nil {
		fmt.Println(nerr)
		return
	}
	fmt.Println("auth:expired", notice.Reason)
	// Output:
	// refreshed, expires in less than a second: true
	// auth:expired expired
}

// A Revoker disconnects every socket of a user, in every namespace, and
// refuses their sessions afterwards.
func ExampleRevoker() {
	revoker := &auth.Revoker{}
	tokens := map[string]auth.Principal{"t": {UserID: "u-1", SessionID: "sess-1"}}
	lookup := auth.Func(func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
		if p, ok := tokens[c.Token()]; ok {
			return p, nil
		}
		return auth.Principal{}, auth.ErrInvalidCredentials
	})
	srv := rtkit.NewServer(rtkit.WithLogger(exQuiet),
		auth.Required(lookup, auth.WithRevoker(revoker), auth.WithLogger(exQuiet)))
	srv.Mount(exMeNamespace("/chat"), exMeNamespace("/documents"))
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, ns := range []string{"/chat", "/documents"} {
		client := exMust(ts.Connect(ns, rtkittest.WithAuth(map[string]any{"token": "t"})))
		defer client.Close()
		me, err := rtkittest.Call(ctx, client, exMe, Empty{})
		if err != nil {
			fmt.Println(err.Code, err.Message)
			return
		}
		fmt.Println(ns, "as", me.UserID)
	}

	fmt.Println("disconnected:", revoker.RevokeUser(srv, "u-1"))
	_, err := ts.Connect("/chat", rtkittest.WithAuth(map[string]any{"token": "t"}))
	fmt.Println(err)
	// Output:
	// /chat as u-1
	// /documents as u-1
	// disconnected: 2
	// rtkittest: connection refused: Invalid session (UNAUTHORIZED)
}
