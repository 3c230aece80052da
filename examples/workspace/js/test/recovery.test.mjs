// Connection state recovery: a notification sent while the transport was
// down arrives after the client reconnects, on the same, recovered socket.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { api, closeAll, connected, next, signUp, sleep } from "./lib.mjs";

after(closeAll);

describe("recovery", () => {
  it("replays a notification missed while the connection was dropped", async () => {
    const { token } = await signUp();
    const socket = await connected("/notifications", token, {
      reconnection: true,
      reconnectionDelay: 300,
      randomizationFactor: 0,
    });
    const notify = (title) => api("POST", "/api/notifications", { type: "info", title, message: "m" }, { token });

    // Recovery needs one delivered event: it carries the client's offset.
    const first = next(socket, "notification:new");
    await notify("before");
    assert.equal((await first)[0].title, "before");
    const id = socket.id;

    // The client closes its transport as a network failure would: the
    // client reports "forced close" and reconnects; the server sees the
    // transport close and keeps the session for recovery.
    const dropped = next(socket, "disconnect");
    socket.io.engine.close();
    assert.equal((await dropped)[0], "forced close");
    await sleep(50); // let the server see the transport close

    const missed = next(socket, "notification:new");
    const back = next(socket, "connect");
    const sent = await notify("while offline");
    assert.equal(sent.status, 201);

    await back;
    assert.equal(socket.recovered, true, "the session was recovered");
    assert.equal(socket.id, id, "same socket id");
    const [n] = await missed;
    assert.deepEqual(n, sent.body);
  });
});
