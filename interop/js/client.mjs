// Drives an rtkit server with the official socket.io-client, the way a
// TypeScript application would, and prints one JSON line per step for the
// Go test that runs it (interop_test.go).
//
//   node client.mjs http://127.0.0.1:PORT
import { io } from "socket.io-client";

const base = process.argv[2];
const print = (step, value) => console.log(JSON.stringify({ step, value }));

function connect(nsp, opts = {}) {
  return io(base + nsp, { transports: ["websocket"], reconnection: false, forceNew: true, ...opts });
}

function next(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

const s = connect("/test");
await next(s, "connect");
print("valid", await s.timeout(5000).emitWithAck("subscribe", { channel: "js" }));
print("invalid", await s.timeout(5000).emitWithAck("subscribe", { channel: "" }));
print("unknown", await s.timeout(5000).emitWithAck("no:such:event", {}));

const errorEvent = next(s, "error");
s.emit("subscribe", { channel: 5 });
print("errorEvent", (await errorEvent)[0]);

const note = next(s, "note");
s.emit("trigger", { seq: 7, text: "hi" });
print("note", await note);

// Long-polling first, then the upgrade to websocket, as browsers do.
const p = io(base + "/test", { forceNew: true, reconnection: false });
await next(p, "connect");
print("polling", await p.timeout(5000).emitWithAck("subscribe", { channel: "poll" }));

const refused = connect("/private");
const [err] = await next(refused, "connect_error");
print("connectError", { message: err.message, data: err.data });

const allowed = connect("/private", { auth: { token: "good" } });
await next(allowed, "connect");
print("authenticated", allowed.connected);

for (const socket of [s, p, refused, allowed]) socket.disconnect();
print("done", true);
