// Chaos run for rtkit's recovery tests (recovery_chaos_test.go): several
// official socket.io-clients, each an independent run, receive "tick"
// events numbered 1..total from the room they join, while each drops its
// transport again and again, switching to the next server URL before every
// reconnect. One JSON line per client reports what it received.
//
//   node chaos.mjs URL[,URL...] NAMESPACE TOTAL DROPS CLIENTS websocket|polling
//
// With CHAOS_FAILOVER=1 each client also moves to the next URL at every
// reconnection attempt, as a load balancer would when a server is gone.
// With CHAOS_TRACE=1 each report also holds a trace (events with their
// offsets, drops, connects, packets received while disconnected), which
// the Go test prints around the first problem.
import { io } from "socket.io-client";

const [urls, nsp, totalArg, dropsArg, clientsArg, mode] = process.argv.slice(2);
const bases = urls.split(",");
const total = Number(totalArg);
const wantDrops = Number(dropsArg);
const clients = Number(clientsArg);
const deadline = Date.now() + 45_000;

const print = (step, value) => console.log(JSON.stringify({ step, value }));

function run(id) {
  return new Promise((resolve) => {
    let node = id % bases.length;
    const socket = io(bases[node] + nsp, {
      forceNew: true,
      // "polling": long-polling first, then the upgrade to websocket.
      transports: mode === "websocket" ? ["websocket"] : ["polling", "websocket"],
      reconnectionDelay: 40,
      reconnectionDelayMax: 80,
      randomizationFactor: 0,
    });
    const got = [];
    const trace = [];
    const resyncs = [];
    let connects = 0;
    let recovered = 0;
    let drops = 0;
    let finished = false;
    let timer;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.disconnect();
      resolve({ id, got, resyncs, connects, recovered, drops, trace });
    };
    const check = () => {
      if (got.length > 0 && got[got.length - 1] === total && drops >= wantDrops) finish();
    };
    // Drops the transport a random while after each connect, as a phone
    // changing networks would; the next connection goes to the next URL.
    const scheduleDrop = () => {
      clearTimeout(timer);
      // The first event gives the client its first offset: a client that
      // never got one is told to resync, not recovered.
      if (drops >= wantDrops || got.length === 0) return;
      timer = setTimeout(() => {
        if (!socket.connected || finished) return;
        // Polling mode drops the connection once it has upgraded: a poll
        // response that reaches a client after it closed its engine is
        // buffered by socket.io-client and emitted on the next connection,
        // after that connection's CONNECT carried the older offset, so the
        // replay would repeat it (see doc.go).
        if (mode !== "websocket" && socket.io.engine.transport.name !== "websocket") {
          scheduleDrop();
          return;
        }
        drops++;
        if (process.env.CHAOS_TRACE) trace.push(`drop ${socket._lastOffset}`);
        node = (node + 1) % bases.length;
        socket.io.uri = bases[node] + nsp;
        socket.io.engine.close();
      }, 20 + Math.floor(Math.random() * 80));
    };

    if (process.env.CHAOS_FAILOVER) {
      socket.io.on("reconnect_attempt", () => {
        node = (node + 1) % bases.length;
        socket.io.uri = bases[node] + nsp;
      });
    }
    if (process.env.CHAOS_TRACE) {
      socket.io.on("packet", (p) => {
        if (!socket.connected) trace.push(`pkt-while-disconnected type=${p.type} ${JSON.stringify(p.data).slice(0, 40)} eng=${socket.io.engine && socket.io.engine.readyState}`);
      });
      socket.io.on("close", (r) => trace.push(`mgr-close ${r}`));
    }
    socket.on("connect", () => {
      if (process.env.CHAOS_TRACE) trace.push(`connect ${socket.recovered} ${socket.io.engine.transport.name} ${socket.id}`);
      connects++;
      if (socket.recovered) recovered++;
      if (connects === 1) print("ready", id);
      scheduleDrop();
      check();
    });
    socket.on("tick", (payload, offset) => {
      if (process.env.CHAOS_TRACE) trace.push(`${payload.n}@${offset}`);
      got.push(payload.n);
      if (got.length === 1) scheduleDrop();
      check();
    });
    socket.on("rtkit:resync", (r) => resyncs.push(r.reason));
    const guard = setInterval(() => {
      if (finished) clearInterval(guard);
      else if (Date.now() > deadline) {
        clearInterval(guard);
        finish();
      }
    }, 100);
  });
}

const results = await Promise.all(Array.from({ length: clients }, (_, i) => run(i)));
for (const r of results) print("result", r);
print("done", true);
// No process.exit: it could cut stdout short; every socket and timer is
// closed, so node exits once the output is written.
