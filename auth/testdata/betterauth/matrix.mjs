// Signs up at better-auth and connects to an rtkit server with the
// official socket.io-client once per way of presenting the session
// (cookie, bearer header, handshake token) and per transport (polling,
// websocket), for TestBetterAuthOfficialClient. It prints one JSON line:
// {user: {id, email}, results: {"<credential> over <transport>": whoami
// answer or connect_error}}.
//
//   node matrix.mjs http://127.0.0.1:APP http://127.0.0.1:RTKIT/p
import { io } from "socket.io-client";

const [appURL, nspURL] = process.argv.slice(2);
const res = await fetch(`${appURL}/api/auth/sign-up/email`, {
  method: "POST",
  headers: { "Content-Type": "application/json", Origin: appURL },
  body: JSON.stringify({ email: `matrix-${Date.now()}@example.com`, password: "correct horse battery", name: "M" }),
});
if (!res.ok) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
const { user } = await res.json();
const token = res.headers.get("set-auth-token");
const cookie = res.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token=")).split(";")[0];

const credentials = {
  cookie: { extraHeaders: { cookie } },
  "bearer header": { extraHeaders: { authorization: `Bearer ${token}` } },
  "handshake token": { auth: { token } },
};
const results = {};
for (const [cname, copts] of Object.entries(credentials)) {
  for (const transport of ["polling", "websocket"]) {
    const socket = io(nspURL, { transports: [transport], forceNew: true, reconnection: false, ...copts });
    results[`${cname} over ${transport}`] = await new Promise((resolve) => {
      socket.once("connect", async () => {
        const who = await socket.timeout(5000).emitWithAck("whoami", {});
        resolve({ transport: socket.io.engine.transport.name, ...who });
      });
      socket.once("connect_error", (err) => resolve({ error: err.message, code: err.data?.code }));
    });
    socket.disconnect();
  }
}
console.log(JSON.stringify({ user: { id: user.id, email: user.email }, results }));
