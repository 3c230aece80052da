// A Node.js socket.io server in an rtkit cluster, for the Redis adapter's
// wire and mixed-cluster tests.
//
// Environment: REDIS_URL (one redis-server) or REDIS_CLUSTER (node
// addresses, comma-separated, for a Redis Cluster), MODE ("sharded", the
// default, or "classic"), PREFIX ("socket.io" by default). It listens on
// 127.0.0.1 (PORT, 0 for any), serves namespace /chat, and prints one JSON
// line {"ready": PORT, "uid": UID} once subscribed.
//
// A client of /chat joins the rooms of auth.rooms (comma-separated) and
// answers note:ask with {n: 42}. Server-side events received on /chat are
// printed as {"sse": ARGS} and, when acknowledged, answered with
// {from: "node", got: ARGS[0]}.
//
// Commands arrive as JSON lines on standard input, {id, op, ...}; each is
// answered with one line {id, result} or {id, error}. Binary values are
// written {"$bin": BASE64} both ways. The process exits when its standard
// input ends.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient, createCluster } from "redis";

const mode = process.env.MODE || "sharded";
const prefix = process.env.PREFIX || "socket.io";

function out(obj) {
  process.stdout.write(JSON.stringify(obj, (_k, v) => toWire(v)) + "\n");
}

// toWire and fromWire carry binary values through JSON lines.
function toWire(v) {
  if (v && v.type === "Buffer" && Array.isArray(v.data)) {
    return { $bin: Buffer.from(v.data).toString("base64") };
  }
  return v;
}

function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === "object") {
    if (typeof v.$bin === "string") return Buffer.from(v.$bin, "base64");
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
  }
  return v;
}

async function redisClients() {
  let pub;
  if (process.env.REDIS_CLUSTER) {
    pub = createCluster({
      rootNodes: process.env.REDIS_CLUSTER.split(",").map((a) => ({ url: "redis://" + a })),
    });
  } else {
    pub = createClient({ url: process.env.REDIS_URL });
  }
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return [pub, sub];
}

const [pub, sub] = await redisClients();
const adapter =
  mode === "classic"
    ? createAdapter(pub, sub, { key: prefix, requestsTimeout: 3000 })
    : createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: "static" });

const emitter = new Emitter(pub, { key: prefix }).of("/chat");

const http = createServer();
const io = new Server(http, { adapter });
const chat = io.of("/chat");

chat.on("connection", (socket) => {
  const rooms = socket.handshake.auth?.rooms;
  if (rooms) socket.join(String(rooms).split(","));
  socket.data = { peer: "node", n: 1 };
  socket.on("note:ask", (_q, ack) => typeof ack === "function" && ack({ n: 42 }));
});

// Server-side events: socket.io hands every one to the namespace's
// _onServerSideEmit, with a callback last when acknowledged.
const origOnSSE = chat._onServerSideEmit.bind(chat);
chat._onServerSideEmit = (args) => {
  const ack = typeof args[args.length - 1] === "function" ? args[args.length - 1] : null;
  const data = ack ? args.slice(0, -1) : args;
  out({ sse: data });
  if (ack) ack({ from: "node", got: data[0] ?? null });
  return origOnSSE(data);
};

function target(cmd) {
  let op = chat;
  for (const r of cmd.rooms || []) op = op.to(r);
  for (const r of cmd.except || []) op = op.except(r);
  return op;
}

const ops = {
  async emit(cmd) {
    target(cmd).emit(cmd.event, ...fromWire(cmd.args || []));
    return true;
  },
  async emitWithAck(cmd) {
    return target(cmd).timeout(cmd.timeout || 2000).emitWithAck(cmd.event, ...fromWire(cmd.args || []))
      .then((answers) => ({ answers }), (err) => ({ error: String(err.message || err), answers: err.responses || null }));
  },
  async fetchSockets(cmd) {
    const sockets = await target(cmd).fetchSockets();
    return sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data ?? null, auth: s.handshake?.auth ?? null }));
  },
  async socketsJoin(cmd) {
    target(cmd).socketsJoin(cmd.join);
    return true;
  },
  async socketsLeave(cmd) {
    target(cmd).socketsLeave(cmd.leave);
    return true;
  },
  async disconnectSockets(cmd) {
    target(cmd).disconnectSockets(!!cmd.close);
    return true;
  },
  async serverSideEmit(cmd) {
    chat.serverSideEmit(cmd.event, ...fromWire(cmd.args || []));
    return true;
  },
  async serverSideEmitWithAck(cmd) {
    // The adapter's own timeout applies (5 s in socket.io-adapter).
    return chat.serverSideEmitWithAck(cmd.event, ...fromWire(cmd.args || []))
      .then((answers) => ({ answers }), (err) => ({ error: String(err.message || err) }));
  },
  // The official emitter (classic Pub/Sub only), on the publishing client.
  async emitterEmit(cmd) {
    let op = emitter;
    for (const r of cmd.rooms || []) op = op.to(r);
    for (const r of cmd.except || []) op = op.except(r);
    op.emit(cmd.event, ...fromWire(cmd.args || []));
    return true;
  },
  async emitterSocketsJoin(cmd) {
    let op = emitter;
    for (const r of cmd.rooms || []) op = op.to(r);
    op.socketsJoin(cmd.join);
    return true;
  },
  async emitterDisconnectSockets(cmd) {
    let op = emitter;
    for (const r of cmd.rooms || []) op = op.to(r);
    op.disconnectSockets(!!cmd.close);
    return true;
  },
  async emitterServerSideEmit(cmd) {
    emitter.serverSideEmit(cmd.event, ...fromWire(cmd.args || []));
    return true;
  },
  async serverCount() {
    return chat.adapter.serverCount();
  },
  async localRooms(cmd) {
    const s = chat.sockets.get(cmd.sid);
    return s ? [...s.rooms].sort() : null;
  },
  async connected(cmd) {
    return chat.sockets.has(cmd.sid);
  },
};

// The test waits for the adapter's subscriptions itself (PUBSUB NUMSUB).
http.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  out({ ready: http.address().port, uid: chat.adapter.uid });
});

const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    return;
  }
  try {
    const fn = ops[cmd.op];
    if (!fn) throw new Error("unknown op " + cmd.op);
    out({ id: cmd.id, result: await fn(cmd) });
  } catch (err) {
    out({ id: cmd.id, error: String(err && err.message ? err.message : err) });
  }
});
rl.on("close", () => {
  io.close();
  Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
