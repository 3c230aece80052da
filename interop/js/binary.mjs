// Sends and receives typed binary payloads (rtkit.Binary) with the official
// socket.io-client in Node.js, and prints one JSON line per step for the Go
// test that runs it (interop_binary_test.go). Attachments are printed as
// {buffer, bytes}: whether Node delivered a Buffer, and the bytes.
//
//   node binary.mjs http://127.0.0.1:PORT
import { io } from "socket.io-client";

const base = process.argv[2];
const print = (step, value) => console.log(JSON.stringify({ step, value }));
const show = (b) => ({ buffer: Buffer.isBuffer(b), arrayBuffer: b instanceof ArrayBuffer, bytes: [...new Uint8Array(b)] });

function next(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

for (const transports of [["websocket"], ["polling"]]) {
  const t = transports[0];
  const s = io(base + "/files", { transports, reconnection: false, forceNew: true });
  await next(s, "connect");
  const ack = (event, payload) => s.timeout(5000).emitWithAck(event, payload);

  // Client → server with an acknowledgement that carries binary data.
  const up = await ack("file:upload", { name: "a.bin", data: Buffer.from([0, 1, 2, 255]), thumb: null });
  print(`${t}:upload`, { success: up.success, name: up.data.name, size: up.data.size, echo: show(up.data.echo) });

  // An ArrayBuffer and a Uint8Array are sent as attachments too; the
  // server broadcasts the file back (server → client).
  const shared = next(s, "file:shared");
  s.emit("file:share", { name: "b", data: new Uint8Array([9, 8, 7]).buffer, thumb: new Uint8Array([1]) });
  const [f, offset] = await shared;
  print(`${t}:shared`, { name: f.name, data: show(f.data), thumb: show(f.thumb), offset: typeof offset });

  // The server asks the client (EmitWithAck); the answer carries binary.
  s.on("file:request", (req, answer) => answer({ data: Buffer.from(`file ${req.name}`) }));
  print(`${t}:asked`, await ack("file:ask", { name: "x" }));

  // Hostile payloads: each is a VALIDATION_ERROR, the socket stays.
  print(`${t}:stringForBinary`, await ack("file:upload", { name: "a", data: "AAEC", thumb: null }));
  print(`${t}:binaryForString`, await ack("file:upload", { name: Buffer.from("a"), data: Buffer.from("b"), thumb: null }));
  print(`${t}:tooLarge`, await ack("file:upload", { name: "a", data: Buffer.alloc(40), thumb: Buffer.alloc(25) }));
  print(`${t}:placeholderForged`, await ack("file:upload", { name: "a", data: { _placeholder: true, num: 0 }, thumb: null }));
  const again = await ack("file:upload", { name: "again", data: Buffer.from("ok"), thumb: Buffer.alloc(0) });
  print(`${t}:after`, { success: again.success, size: again.data.size, connected: s.connected });
  s.disconnect();
}
print("done", true);
