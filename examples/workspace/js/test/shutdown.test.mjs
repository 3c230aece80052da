// Graceful shutdown: SIGTERM to a dedicated application process while a
// client is connected. The client is told, the server stops accepting,
// and the Go test checks the exit code and the time it took.
//
// Environment: WORKSPACE_SHUTDOWN_URL (the process's base URL),
// WORKSPACE_SHUTDOWN_PID (its process id), WORKSPACE_SHUTDOWN_MARK (a
// file where the test writes the time it sent the signal, in ms since the
// epoch).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";

import { closeAll, connect, next, request, signUp, sleep } from "./lib.mjs";

const URL = process.env.WORKSPACE_SHUTDOWN_URL;
const PID = Number(process.env.WORKSPACE_SHUTDOWN_PID);
const MARK = process.env.WORKSPACE_SHUTDOWN_MARK;

after(closeAll);

describe("graceful shutdown", { skip: !(URL && PID) && "WORKSPACE_SHUTDOWN_URL/PID are not set" }, () => {
  it("SIGTERM disconnects a connected client and stops serving within 10 s", async () => {
    const { token } = await signUp(URL);
    const socket = connect("/notifications", { auth: { token } }, URL);
    await next(socket, "connect");

    const gone = next(socket, "disconnect", 10_000);
    const sentAt = Date.now();
    if (MARK) writeFileSync(MARK, String(sentAt));
    process.kill(PID, "SIGTERM");
    const [reason] = await gone;
    console.log(`client disconnected ${Date.now() - sentAt} ms after SIGTERM: ${reason}`);
    // rtkit closes connections the way a lost network does, so that
    // clients reconnect on their own (to another process) rather than
    // treating it as a deliberate disconnection ("io server disconnect").
    assert.equal(reason, "transport close");

    // The server stops accepting: /health fails to connect.
    let refused = false;
    while (Date.now() - sentAt < 10_000) {
      try {
        await request(URL, "GET", "/health");
      } catch {
        refused = true;
        break;
      }
      await sleep(50);
    }
    assert.ok(refused, "the server still answered 10 s after SIGTERM");
  });
});
