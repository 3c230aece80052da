/*
Package client is a typed Go client for rtkit servers: the same
rtkit.Event values the server registers, used from the other side of the
wire, for Go services, bots, load generators and integration tests.

# Connecting

[Dial] connects to one namespace and returns once the server accepted the
connection:

	c, err := client.Dial(ctx, "https://api.example/notifications", client.Options{
		Credentials: client.Credentials{Token: token},
		Refresh: func(ctx context.Context) (client.Credentials, error) {
			return client.Credentials{Token: renew(ctx)}, nil
		},
		OnResync: func(r rtkit.Resync) { refetch() },
	})
	…
	defer c.Close()

Credentials go in the handshake's auth object (Token as auth.token, the
way io(url, {auth: {token}}) sends it), in HTTP headers, or as cookies. A
refusal is a [*ConnectError] with the server's message and code.

# Calls, emits and listeners

[Call] sends an event and waits for its acknowledgement, decoded into the
event's Out; a failure is the server's [*rtkit.Error] with every field
(code, message, details, RetryAfter from retryAfterMs):

	out, err := client.Call(ctx, c, chat.MessageSend, chat.SendIn{Room: "go", Text: "hi"})
	switch rtkit.CodeOf(err) {
	case "":
		…out.ID…
	case rtkit.CodeRateLimited:
		time.Sleep(client.AsError(err).RetryAfter)
	}

[Emit] sends without acknowledgement (failures arrive through [OnError]);
[On] listens to a server → client event with a typed callback; [Answer]
answers an event the server sends with rtkit.EmitWithAck. Payloads are
validated both ways against the events' schemas, the very ones the server
validates with ([rtkit.Event.ValidatePayload]): an invalid payload is
refused before it is sent, and whatever the server sends that breaks its
contract is reported instead of handed over. [Options.Validation] turns
either direction off.

# Reconnection and recovery

A lost connection is retried with exponential backoff and jitter
([Backoff]); [Options.Refresh] renews the credentials before every
attempt. The client reconnects the same Socket.IO socket, which keeps the
session rtkit's connection state recovery needs: the private session id
from the CONNECT answer, and the offset that every logged event carries
after its payload ("rtkit:offset" moves it without an event). When the
server recovers the session ([ConnectInfo].Recovered), the events sent
meanwhile are delivered to the listeners, in order, each once, as if the
connection had never dropped. When it cannot (the client was away longer
than the server's window), it sends "rtkit:resync": [Options.OnResync]
runs before any later event, and the application refetches its state.

Without Refresh, a connection the server ends on purpose ("io server
disconnect": a revoked session) is not retried, and neither is a refused
reconnection: the client ends, [Client.Done] is closed and [Client.Err]
says why. With Refresh, both are retried under the new credentials.

# Concurrency

A Client is safe for concurrent use: many goroutines may Call and Emit at
once. Listeners and the Options callbacks run one at a time, in arrival
order, on the client's own goroutine, so a listener may Call. [Client.Close]
disconnects, stops reconnecting and waits for the client's goroutines;
call it outside callbacks.

# The Socket.IO Go client underneath

The client runs on github.com/zishang520/socket.io/clients/socket/v3 and
works around what that library gets wrong:

  - Asked to open its transport and connect a namespace at once, it can
    send the namespace CONNECT twice, and the server closes the connection;
    after a lost connection the socket would send it again as soon as the
    transport reopens. The client opens the transport first, detaches the
    socket between attempts, and connects it once the transport is up.
  - It can miss its own transport's "open" event and then waits for nothing
    until its timeout; such an attempt is abandoned at once.
  - Its reconnection keeps the credentials of the first connection and
    mixes the session fields into the caller's auth map; the client
    reconnects by itself instead, replacing the auth object's contents
    before each attempt.
  - Its Timeout modifier is not safe for concurrent use; calls wait under
    their context instead.
  - Each polling transport has an HTTP client that keeps idle connections,
    and their goroutines, for the life of the process; polling requests ask
    for their connection to be closed, so nothing outlives Close.
  - Listeners run on its packet goroutine, where a blocking listener holds
    up every acknowledgement; the client hands them to a goroutine of its
    own.

A Call made while the client reconnects waits for the connection; an event
the library buffered meanwhile is sent once it is back, even if its Call
gave up waiting.
*/
package client
