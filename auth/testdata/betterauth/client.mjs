// The client side of docs/better-auth.md, run by the guide's test with
// the official socket.io-client: it signs up at the Hono + better-auth
// application, connects to rtkit with the session, signs out, and lives
// through an outage of better-auth. It prints one JSON line per step.
//
//   node client.mjs http://127.0.0.1:3000 http://127.0.0.1:3001
//
// When it prints the step "stop better-auth" it waits for a line on its
// standard input, once better-auth was stopped.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [appURL, rtkitURL] = process.argv.slice(2);
const print = (step, value) => console.log(JSON.stringify({ step, value }));
const input = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => input.once("line", resolve));

// #region sign-up
// Sign-up (or sign-in) at better-auth. The bearer plugin hands the session
// token out in the set-auth-token header; browsers also get the cookie.
async function signUp(name) {
  const res = await fetch(`${appURL}/api/auth/sign-up/email`, {
    method: "POST",
    // A browser sends its page's origin itself; better-auth refuses
    // state-changing requests from other origins.
    headers: { "Content-Type": "application/json", Origin: appURL },
    body: JSON.stringify({ email: `${name}-${Date.now()}@example.com`, password: "correct horse battery", name }),
  });
  if (!res.ok) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
  return { token: res.headers.get("set-auth-token"), cookie: cookie.split(";")[0] };
}
// #endregion sign-up

// #region connect
// Connect with the token in the handshake auth object. In a browser whose
// page and rtkit share a site, {withCredentials: true} sends the session
// cookie instead.
function connect(session, options = {}) {
  const socket = io(rtkitURL, { auth: { token: session.token }, reconnection: false, ...options });
  socket.on("auth:expired", ({ reason }) => {
    // The session ended (reason "revoked": signed out, banned; "expired").
    // The server disconnects the socket next: send the user to sign in.
    print("auth:expired", reason);
  });
  return socket;
}
// #endregion connect

// opened waits for a socket's connection, or its refusal.
function opened(socket) {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ connected: true }));
    socket.once("connect_error", (err) => resolve({ connected: false, message: err.message, code: err.data?.code }));
  });
}

function closed(socket) {
  return new Promise((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
}

const alice = await signUp("alice");
const sockets = [
  connect(alice, { transports: ["websocket"] }),
  // Node only: a browser sends the cookie itself.
  connect({}, { transports: ["polling"], extraHeaders: { cookie: alice.cookie } }),
];
// Listen to both before waiting for either: the second may connect first.
for (const result of await Promise.all(sockets.map(opened))) print("connected", result);
for (const s of sockets) print("me", await s.timeout(5000).emitWithAck("me", {}));

const gone = sockets.map(closed);
const signedOut = Date.now();
const res = await fetch(`${appURL}/api/auth/sign-out`, {
  method: "POST",
  headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "application/json", Origin: appURL },
  body: "{}",
});
print("sign-out", res.status);
for (const reason of await Promise.all(gone)) print("disconnected", reason);
print("ended after ms", Date.now() - signedOut);
print("reconnect after sign-out", await opened(connect(alice, { transports: ["websocket"] })));

const bob = await signUp("bob");
const live = connect(bob, { transports: ["websocket"] });
print("connected", await opened(live));
print("stop better-auth", true);
await nextLine();
// Several re-validation intervals pass while better-auth is down.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.OUTAGE_WAIT_MS ?? 3000)));
print("still connected", live.connected);
print("me", await live.timeout(5000).emitWithAck("me", {}));
print("new handshake during outage", await opened(connect(bob, { transports: ["websocket"] })));
live.disconnect();
print("done", true);
process.exit(0);
