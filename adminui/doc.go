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
// server, again every two seconds, which is how it learns of room
// changes, transport upgrades and other servers' sockets), and, for this
// server's sockets, "socket_connected", "socket_disconnected" and
// "event_received". Not sent: "room_joined" and "room_left" (rtkit has
// no hook for room changes: the two-second list carries them),
// "socket_updated" and "event_sent". Production mode sends none
// of these: only the statistics, with the counts of connections,
// disconnections and events received per second. The list of every
// server's sockets costs a Rooms.Fetch per namespace every two seconds
// while a UI is connected (and the UI redraws it): with many thousands of
// sockets, use production mode.
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
//   - Sessions are random 128-bit ids kept by the server that issued
//     them, for SessionTTL (default 12 hours), at most 1,000 at a time.
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
// a server event (rtkit.EmitServers) and lists their sockets with
// rtkit.Rooms.Fetch, and its operations reach their sockets through the
// adapter. Events of single sockets ("socket_connected",
// "event_received", …) are those of the server the UI is connected to.
// Sessions are kept per server: a UI that reconnects to another server
// asks for the password again.
package adminui
