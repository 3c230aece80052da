// Opens many Socket.IO connections to an rtkit server with the official
// client, for BenchmarkRevalidationRequests: SOCKETS connections over
// websocket, spread evenly over the tokens tok-0 … tok-(SESSIONS-1), at
// most 200 handshakes at a time. It prints "connected N" once all are
// connected (or "failed MESSAGE" at the first refusal), then holds them
// until its standard input closes (or SIGTERM), and prints "lost N" if the server
// dropped any meanwhile.
//
//   node fleet.mjs http://127.0.0.1:PORT/ns SOCKETS SESSIONS
import { io } from "socket.io-client";

const [url, socketsArg, sessionsArg] = process.argv.slice(2);
const total = Number(socketsArg);
const sessions = Number(sessionsArg);
const sockets = [];
let lost = 0;

function open(i) {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { token: `tok-${i % sessions}` },
    });
    s.once("connect", () => {
      s.once("disconnect", () => lost++);
      resolve(s);
    });
    s.once("connect_error", (err) => reject(new Error(`socket ${i}: ${err.message}`)));
  });
}

try {
  let next = 0;
  const worker = async () => {
    while (next < total) sockets.push(await open(next++));
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  console.log(`connected ${sockets.length}`);
} catch (err) {
  console.log(`failed ${err.message}`);
  process.exit(1);
}

const finish = () => {
  console.log(`lost ${lost}`);
  for (const s of sockets) s.disconnect();
  process.exit(0);
};
process.stdin.on("end", finish);
process.on("SIGTERM", finish);
process.stdin.resume();
