// Drives an Engine.IO server with the official engine.io-client: opens a
// session over the given transports, sends text and binary messages that
// the server echoes, and prints one JSON line per step on stdout.
//
//   node client.mjs <url> <polling,websocket|websocket|polling>
import { Socket } from "engine.io-client";

const [url, transports] = process.argv.slice(2);
const print = (o) => console.log(JSON.stringify(o));
const socket = new Socket(url, { transports: transports.split(","), path: "/engine.io/" });
const timeout = setTimeout(() => {
  print({ step: "timeout" });
  process.exit(1);
}, 20000);

const expected = ["hello", "héllo €", "bin:1,2,3", "big:" + 100000];
const received = [];
socket.on("open", () => print({ step: "open", transport: socket.transport.name }));
socket.on("upgrade", (t) => {
  print({ step: "upgrade", transport: t.name });
});
socket.on("message", (data) => {
  if (typeof data === "string") {
    received.push(data.length > 1000 ? "big:" + data.length : data);
  } else {
    received.push("bin:" + Array.from(new Uint8Array(data)).join(","));
  }
  if (received.length === expected.length) {
    print({ step: "echoed", received, transport: socket.transport.name });
    clearTimeout(timeout);
    socket.close();
  }
});
socket.on("close", (reason) => print({ step: "close", reason }));

socket.once("open", () => {
  // the first two go out over the first transport, the rest after an upgrade
  socket.send("hello");
  socket.send("héllo €");
  const rest = () => {
    socket.send(Uint8Array.from([1, 2, 3]));
    socket.send("x".repeat(100000));
  };
  if (transports.includes(",")) {
    socket.once("upgrade", rest);
  } else {
    rest();
  }
});
