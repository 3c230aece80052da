// Package adminui serves the server side of the official Socket.IO Admin
// UI (the npm package @socket.io/admin-ui) on an rtkit server: point the
// UI at the server and it lists the namespaces, sockets, rooms and clients
// of every server the adapter reaches, shows the events of the sockets
// connected here, and lets an operator make sockets join or leave rooms
// and disconnect them.
//
// # Setting it up
//
// An Admin is made from a Config, then given to the server twice: its
// Option observes every namespace (connections, disconnections, events),
// and its Namespace ("/admin" by default) is what the UI connects to.
//
//	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
//	admin, err := adminui.New(adminui.Config{Username: "admin", PasswordHash: string(hash)})
//	if err != nil { … }
//	srv := rtkit.NewServer(admin.Option(), …)
//	srv.Mount(admin.Namespace(), notifications, documents)
//
// The UI itself is a static page (the package's ui/dist folder); serve it
// from the same origin as the server, or list the page's origin in
// Config.Origins.
//
// # The protocol
//
// The UI connects to the admin namespace with {username, password} (or
// the {sessionId} it was given earlier) in the handshake's auth object.
// Once connected it gets "session" (after a password login), "config"
// (the features: JOIN, LEAVE, DISCONNECT, MJOIN, MLEAVE, MDISCONNECT
// unless read-only; AGGREGATED_EVENTS; ALL_EVENTS in development mode),
// then "server_stats" from every server every two seconds. In development
// mode (the default) it also gets "all_sockets" (the sockets of every
// server, again every two seconds) and the live updates of every
// server's sockets, as the upstream server sends them:
// "socket_connected", "socket_disconnected", "socket_updated" (a
// transport upgrade), "room_joined" and "room_left" (whoever made the
// socket join or leave: a room policy, rtkit.Rooms on this server or
// another, the UI's operations, and every room at disconnection, its own
// id room included), "event_received" and "event_sent" (the events a
// socket sends and those queued for it, its copy of broadcasts included;
// not the admin namespace's own). They come from rtkit.OnSocketChange,
// OnConnect, OnDisconnect and an event middleware. Production mode sends
// none of these: only the statistics, with the counts of connections,
// disconnections and events received per second. The list of every
// server's sockets costs a Rooms.Fetch per namespace every two seconds
// while a UI is connected (and the UI redraws it): with many thousands of
// sockets, use production mode.
//
// The live updates are bounded: a server sends them in batches every
// 100 ms, at most 200 updates and 128 KiB a batch, and no update over
// 16 KiB (a big payload in event_received); the rest of a burst is
// dropped (logged at debug level), and the UI catches up with the next
// socket list. Rooms whose names are longer than 1 KiB are neither
// reported live nor listed, and the list shows 1,000 rooms per socket at
// most. The socket stays in them all: only the UI's view is bounded.
//
// The UI's operations are the events "join" (nsp, room, filter),
// "leave" (nsp, room, filter) and "_disconnect" (nsp, close, filter): they
// act on the sockets of namespace nsp in room filter (a socket id is a
// room; every socket without a filter) on every server, through
// rtkit.Rooms. A read-only Admin does not accept them. The UI's "emit"
// (any event with any arguments into any namespace) is not offered:
// rtkit's namespaces emit only events they declare, validated.
//
// # Security
//
// The admin namespace can disconnect anyone and put any socket into any
// room, so:
//
//   - New refuses a Config without credentials unless NoAuth says so
//     explicitly; the password is given as a bcrypt hash, and every
//     login attempt runs one bcrypt comparison, whatever the username
//     (compared in constant time), so that timing tells nothing.
//   - Failed logins are throttled per client address (MaxFailures per
//     FailureWindow, default 5 per minute); at most two bcrypt
//     comparisons run at once, and attempts beyond are refused rather
//     than queued.
//   - Sessions are random 128-bit ids, valid for SessionTTL (default 12
//     hours), at most 1,000 at a time per server; servers keep and
//     exchange only their SHA-256. An id this server does not know is
//     asked about only after the failed-login throttle let the address
//     through, and at most four such questions wait at once.
//   - A browser connection from another origin (Origin header or
//     Sec-Fetch-Site: cross-site) is refused unless Config.Origins lists
//     it, even when the rtkit server's WithCORS allows that origin for
//     the application's own namespaces.
//   - What the UI gets about a socket leaves out its handshake's headers,
//     auth object and query (tokens travel there) and its Engine.IO
//     session id (rtkit.Socket.ClientID is a one-way name for it).
//
// # Several servers
//
// Every server runs its own Admin with the same Config. The UI connects
// to one of them; that server asks the others for their statistics with
// a server event (rtkit.EmitServers) every two seconds and lists their
// sockets with rtkit.Rooms.Fetch, and its operations reach their sockets
// through the adapter. A server asked for its statistics knows that a UI
// watches from elsewhere: for the next six seconds it sends its live
// updates to the other servers too (the server event "adminui:updates"),
// which hand them to their UIs; without a UI anywhere, nothing crosses.
// A session opened by one server is good on all of them: a server that
// does not know a session id it is shown asks the others (the server
// event "adminui:session", with the id's SHA-256 rather than the id), and
// keeps the session for the rest of its life once one of them knows it.
// (The upstream server keeps sessions per server too, unless given a
// Redis store.) A session outlives only the servers that know it: after
// a restart of every server, the UI asks for the password again.
package adminui
