// The /bench contract (the load harness's: a validated echo with an
// acknowledgement, and a fan-out to room "broadcast") on Node.js socket.io
// 4.8 with @socket.io/redis-adapter's sharded adapter (static
// subscriptions), for the two-node Redis benchmark of docs/performance.md.
//
//   node bench.mjs --port 3901 --redis redis://127.0.0.1:6379
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const port = Number(arg("port", process.env.PORT || 3901));
const redisURL = arg("redis", process.env.REDIS_URL || "redis://127.0.0.1:6379");

const pub = createClient({ url: redisURL });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const validEcho = (p) =>
  p !== null && typeof p === "object" && typeof p.channel === "string" && p.channel.length >= 1 && p.channel.length <= 100;
const body = "x".repeat(120);
const ok = { success: true };
const bad = { success: false, error: "invalid payload" };

const http = createServer();
const io = new Server(http, {
  transports: ["websocket"],
  serveClient: false,
  adapter: createShardedAdapter(pub, sub, { subscriptionMode: "static" }),
});
const bench = io.of("/bench");
bench.on("connection", (socket) => {
  socket.join("broadcast");
  socket.on("echo", (payload, ack) => typeof ack === "function" && ack(validEcho(payload) ? ok : bad));
  socket.on("fanout", (payload, ack) => {
    const seq = payload && typeof payload === "object" ? payload.seq : 0;
    bench.to("broadcast").emit("notification", { type: "notification", channel: "broadcast", seq, ts: Date.now(), body });
    if (typeof ack === "function") ack(ok);
  });
});

for (const s of ["SIGINT", "SIGTERM"]) {
  process.on(s, () => {
    io.close();
    process.exit(0);
  });
}
http.listen(port, "127.0.0.1", () => {
  console.error(`node socket.io + redis-adapter (sharded, static) listening on 127.0.0.1:${port} (pid ${process.pid})`);
});
