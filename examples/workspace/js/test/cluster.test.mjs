// Two application processes sharing one Redis (REDIS_URL): a REST call on
// one process reaches a client connected to the other.
//
// Environment: WORKSPACE_CLUSTER_URLS, the two base URLs, comma-separated;
// WORKSPACE_ADMIN_EMAIL, an address in both processes' ADMIN_EMAILS.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { ack, closeAll, collect, connected, next, QUIET_MS, request, signUp, signUpOrIn, sleep } from "./lib.mjs";

const URLS = (process.env.WORKSPACE_CLUSTER_URLS || "").split(",").filter(Boolean);
const ADMIN_EMAIL = process.env.WORKSPACE_ADMIN_EMAIL;
const [A, B] = URLS;

after(closeAll);

describe("two processes on Redis", { skip: URLS.length !== 2 && "WORKSPACE_CLUSTER_URLS is not set" }, () => {
  it("both report the Redis adapter as healthy (to an admin)", { skip: !ADMIN_EMAIL && "WORKSPACE_ADMIN_EMAIL is not set" }, async () => {
    for (const url of URLS) {
      const admin = await signUpOrIn(ADMIN_EMAIL, "Admin", url);
      const res = await request(url, "GET", "/health", undefined, { token: admin.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "ok");
      assert.match(res.body.adapter.kind, /redis/i);
      assert.equal(res.body.adapter.ok, true);
    }
  });

  it("a notification created on A reaches the user's socket on B, and no one else", async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const onB = await connected("/notifications", alice.token, {}, B);
    const bobOnA = await connected("/notifications", bob.token, {}, A);
    const bobSaw = collect(bobOnA, "notification:new");

    const arrival = next(onB, "notification:new");
    const sent = Date.now();
    const res = await request(A, "POST", "/api/notifications", { type: "info", title: "Across", message: "A to B" },
      { token: alice.token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual((await arrival)[0], res.body);
    console.log(`notification:new crossed processes ${Date.now() - sent} ms after the REST call started`);
    await sleep(QUIET_MS);
    assert.deepEqual(bobSaw, []);
  });

  it("a document updated on B reaches the owner's subscribed socket on A", async () => {
    const owner = await signUp(A);
    const created = await request(A, "POST", "/api/documents", { title: "Shared", content: "x" }, { token: owner.token });
    assert.equal(created.status, 201);
    const onA = await connected("/documents", owner.token, {}, A);
    assert.equal((await ack(onA, "document:subscribe", { documentId: created.body.id })).success, true);

    const arrival = next(onA, "document:updated");
    const res = await request(B, "PATCH", `/api/documents/${created.body.id}`, { title: "Shared v2" },
      { token: owner.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await arrival)[0], { id: created.body.id, title: "Shared v2", updatedAt: res.body.updatedAt });
  });

  it("an admin broadcast sent on A reaches broadcast subscribers on both processes", {
    skip: !ADMIN_EMAIL && "WORKSPACE_ADMIN_EMAIL is not set",
  }, async () => {
    const admin = await signUpOrIn(ADMIN_EMAIL, "Admin", A);
    assert.equal(admin.user.role, "admin");
    const user = await signUp(B);
    const listeners = [await connected("/notifications", user.token, {}, A),
      await connected("/notifications", user.token, {}, B)];
    for (const s of listeners) {
      assert.equal((await ack(s, "subscribe:channel", { channel: "broadcast" })).success, true);
    }
    const arrivals = listeners.map((s) => next(s, "notification:new"));
    const res = await request(A, "POST", "/api/notifications",
      { broadcast: true, type: "warning", title: "All hands", message: "everyone" }, { token: admin.token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    for (const [n] of await Promise.all(arrivals)) assert.equal(n.title, "All hands");
  });

  it("a notification missed while dropped from A is recovered on B", async () => {
    const { token } = await signUp(A);
    const socket = await connected("/notifications", token, {
      reconnection: true,
      reconnectionDelay: 300,
      randomizationFactor: 0,
    }, A);
    const notify = (base, title) =>
      request(base, "POST", "/api/notifications", { type: "info", title, message: "m" }, { token });

    // One delivered event gives the client its recovery offset.
    const first = next(socket, "notification:new");
    assert.equal((await notify(A, "before")).status, 201);
    assert.equal((await first)[0].title, "before");
    const id = socket.id;

    // The transport drops; the client comes back through the other
    // process, as behind a load balancer.
    const dropped = next(socket, "disconnect");
    socket.io.engine.close();
    await dropped;
    socket.io.uri = B + "/notifications";
    await sleep(50);

    const missed = next(socket, "notification:new");
    const back = next(socket, "connect");
    const sent = await notify(A, "while offline");
    assert.equal(sent.status, 201);
    await back;
    assert.equal(socket.recovered, true, "recovered on the other process");
    assert.equal(socket.id, id, "same socket id");
    assert.deepEqual((await missed)[0], sent.body);
  });

  it("sign-out on A disconnects the session's socket on B", async () => {
    const { token } = await signUp(A);
    const onB = await connected("/documents", token, {}, B);
    // The socket is in its session's room before the client learns it is
    // connected: a sign-out right after "connect" reaches it.
    const gone = next(onB, "disconnect");
    assert.equal((await request(A, "POST", "/api/auth/sign-out", undefined, { token })).status, 204);
    assert.equal((await gone)[0], "io server disconnect");
  });
});
