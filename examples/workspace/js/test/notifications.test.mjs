// The /notifications namespace with the official client: authentication,
// channels, delivery after REST calls, the admin broadcast, mark:read,
// sign-out and the default rate limit.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";

import {
  ack, api, assertAckError, assertTime, closeAll, collect, connect, connected, next, QUIET_MS, signUp, signUpOrIn, sleep, uniqueEmail,
} from "./lib.mjs";

const ADMIN_EMAIL = process.env.WORKSPACE_ADMIN_EMAIL;

after(closeAll);

describe("connection", () => {
  for (const nsp of ["/notifications", "/documents"]) {
    it(`${nsp}: accepts auth.token, the Bearer header and the session cookie`, async () => {
      const { token, cookie } = await signUp();
      const ways = [
        { auth: { token } },
        { extraHeaders: { Authorization: `Bearer ${token}` } },
        { extraHeaders: { Cookie: cookie } },
      ];
      for (const opts of ways) {
        const socket = connect(nsp, opts);
        await next(socket, "connect");
        assert.ok(socket.connected, JSON.stringify(Object.keys(opts)));
        socket.disconnect();
      }
    });

    it(`${nsp}: refuses no credentials and a bad token with UNAUTHORIZED`, async () => {
      const [none] = await next(connect(nsp), "connect_error");
      assert.equal(none.message, "Authentication required");
      assert.deepEqual(none.data, { code: "UNAUTHORIZED" });

      const [bad] = await next(connect(nsp, { auth: { token: "no-such-session" } }), "connect_error");
      assert.equal(bad.message, "Invalid session");
      assert.equal(bad.data.code, "UNAUTHORIZED");
    });
  }
});

describe("channels", () => {
  it("subscribe:channel allows the user's own channels and broadcast", async () => {
    const { user, token } = await signUp();
    const socket = await connected("/notifications", token);
    for (const channel of [`user:${user.id}`, `user:${user.id}:projects`, `user:${user.id}:a:b`, "broadcast"]) {
      assert.deepEqual(await ack(socket, "subscribe:channel", { channel }), { success: true, data: { channel } });
    }
    assert.deepEqual(await ack(socket, "unsubscribe:channel", { channel: "broadcast" }),
      { success: true, data: { channel: "broadcast" } });
  });

  it("subscribe:channel forbids other channels and rejects invalid payloads", async () => {
    const { user, token } = await signUp();
    const other = await signUp();
    const socket = await connected("/notifications", token);
    for (const channel of [`user:${other.user.id}`, `user:${other.user.id}:x`, "admin", `user:${user.id}x`]) {
      assertAckError(await ack(socket, "subscribe:channel", { channel }), "FORBIDDEN");
    }
    for (const payload of [{ channel: "" }, { channel: "x".repeat(101) }, { channel: 5 }, {}, "broadcast"]) {
      const res = await ack(socket, "subscribe:channel", payload);
      assertAckError(res, "VALIDATION_ERROR");
    }
    // Without an acknowledgement the failure arrives as an error event.
    const error = next(socket, "error");
    socket.emit("subscribe:channel", { channel: `user:${other.user.id}` });
    const [err] = await error;
    assert.equal(err.code, "FORBIDDEN");
    assert.equal(err.event, "subscribe:channel");
    assert.ok(socket.connected, "the socket stays connected after refusals");
  });
});

describe("delivery", () => {
  it("notification:new reaches the target after the REST call, and no other user", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const a = await connected("/notifications", alice.token);
    const b = await connected("/notifications", bob.token);
    const bobSaw = collect(b, "notification:new");

    const arrival = next(a, "notification:new");
    const sent = Date.now();
    const res = await api("POST", "/api/notifications", { type: "success", title: "Saved", message: "all good" },
      { token: alice.token });
    assert.equal(res.status, 201);
    const [n] = await arrival;
    console.log(`notification:new arrived ${Date.now() - sent} ms after the REST call started`);
    assert.deepEqual(n, res.body);
    assert.deepEqual(Object.keys(n).sort(), ["createdAt", "id", "message", "read", "title", "type"]);
    assertTime(n.createdAt, "createdAt");
    await sleep(QUIET_MS);
    assert.deepEqual(bobSaw, [], "bob gets nothing of alice's");
  });

  it("an admin (ADMIN_EMAILS) notifies another user and broadcasts; subscribers of broadcast get it", {
    skip: !ADMIN_EMAIL && "WORKSPACE_ADMIN_EMAIL is not set",
  }, async () => {
    const admin = await signUpOrIn(ADMIN_EMAIL, "Admin");
    assert.equal(admin.user.role, "admin", "the address is in ADMIN_EMAILS");
    const carol = await signUp();
    const dave = await signUp();
    const c = await connected("/notifications", carol.token);
    const d = await connected("/notifications", dave.token);
    const daveSaw = collect(d, "notification:new");

    const direct = next(c, "notification:new");
    const res = await api("POST", "/api/notifications",
      { userId: carol.user.id, type: "warning", title: "From admin", message: "to carol" }, { token: admin.token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await direct)[0].title, "From admin");
    await sleep(QUIET_MS);
    assert.deepEqual(daveSaw, [], "dave is not carol");

    assert.deepEqual(await ack(d, "subscribe:channel", { channel: "broadcast" }),
      { success: true, data: { channel: "broadcast" } });
    const cSaw = collect(c, "notification:new");
    const toAll = next(d, "notification:new");
    const all = await api("POST", "/api/notifications",
      { broadcast: true, type: "info", title: "Everyone", message: "maintenance at noon" }, { token: admin.token });
    assert.equal(all.status, 201, JSON.stringify(all.body));
    assert.equal((await toAll)[0].title, "Everyone");
    await sleep(QUIET_MS);
    assert.deepEqual(cSaw.map((n) => n.title), [], "a socket that did not subscribe to broadcast gets nothing");
  });

  it("mark:read acknowledges the updated notification; NOT_FOUND for others'; REST read emits notification:updated",
    async () => {
      const { token } = await signUp();
      const other = await signUp();
      const socket = await connected("/notifications", token);
      const created = await api("POST", "/api/notifications", { type: "error", title: "Oops", message: "m" }, { token });
      const n = created.body;

      const res = await ack(socket, "mark:read", { notificationId: n.id });
      assert.equal(res.success, true, JSON.stringify(res));
      assert.deepEqual(res.data, { ...n, read: true });

      const others = await api("POST", "/api/notifications", { type: "info", title: "x", message: "y" },
        { token: other.token });
      assertAckError(await ack(socket, "mark:read", { notificationId: others.body.id }), "NOT_FOUND");
      assertAckError(await ack(socket, "mark:read", { notificationId: randomUUID() }), "NOT_FOUND");
      assertAckError(await ack(socket, "mark:read", { notificationId: "not-a-uuid" }), "VALIDATION_ERROR");

      const second = await api("POST", "/api/notifications", { type: "info", title: "Two", message: "m" }, { token });
      const updated = next(socket, "notification:updated", undefined, (u) => u.id === second.body.id);
      const read = await api("POST", `/api/notifications/${second.body.id}/read`, undefined, { token });
      assert.equal(read.status, 200);
      assert.deepEqual((await updated)[0], { ...second.body, read: true });
    });
});

describe("sign-out", () => {
  it("disconnects the session's sockets in both namespaces, not other sessions", async () => {
    const { email, token } = await signUp();
    const again = await api("POST", "/api/auth/sign-in", { email, password: "correct horse" });
    const n = await connected("/notifications", token);
    const d = await connected("/documents", token);
    const keep = await connected("/notifications", again.body.token);
    const keepSaw = collect(keep, "disconnect");

    // The application tells why (auth:expired, documented in its README)
    // before it disconnects.
    const told = [next(n, "auth:expired"), next(d, "auth:expired")];
    const gone = [next(n, "disconnect"), next(d, "disconnect")];
    const out = await api("POST", "/api/auth/sign-out", undefined, { token });
    assert.equal(out.status, 204);
    const reasons = (await Promise.all(gone)).map(([reason]) => reason);
    assert.deepEqual(reasons, ["io server disconnect", "io server disconnect"]);
    for (const [payload] of await Promise.all(told)) assert.deepEqual(payload, { reason: "revoked" });
    await sleep(QUIET_MS);
    assert.deepEqual(keepSaw, [], "the user's other session stays connected");

    const [err] = await next(connect("/notifications", { auth: { token } }), "connect_error");
    assert.equal(err.message, "Invalid session");
  });
});

describe("rate limit", () => {
  it("allows 100 events per socket (the default 100/1m), then answers RATE_LIMITED", async () => {
    const { user, token } = await signUp(undefined, uniqueEmail("ratelimit"));
    const socket = await connected("/notifications", token);
    const channel = `user:${user.id}`;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 110 }, () => ack(socket, "subscribe:channel", { channel })),
    );
    const elapsed = Date.now() - started;
    // 100 per minute refills one token every 600 ms.
    const refilled = Math.floor(elapsed / 600);
    const ok = answers.filter((a) => a.success).length;
    assert.ok(ok >= 100 && ok <= 100 + refilled, `${ok} of 110 accepted in ${elapsed} ms`);
    assert.ok(answers.slice(0, 100).every((a) => a.success), "the first 100 pass");
    const limited = answers.filter((a) => !a.success);
    assert.ok(limited.length > 0);
    for (const res of limited) {
      assertAckError(res, "RATE_LIMITED");
      assert.ok(res.error.retryAfterMs > 0 && res.error.retryAfterMs <= 600, `retryAfterMs ${res.error.retryAfterMs}`);
    }
    assert.ok(socket.connected, "the socket stays connected");
  });
});

describe("health", () => {
  it("counts connected sockets per namespace (for an admin)", { skip: !ADMIN_EMAIL && "WORKSPACE_ADMIN_EMAIL is not set" }, async () => {
    const admin = await signUpOrIn(ADMIN_EMAIL, "Admin");
    const count = async () => {
      const res = await api("GET", "/health", undefined, { token: admin.token });
      return Object.fromEntries(res.body.socketio.namespaces.map((n) => [n.name, n.connected]));
    };
    const { token } = await signUp();
    const before = await count();
    const sockets = [
      await connected("/notifications", token),
      await connected("/notifications", token),
      await connected("/documents", token),
    ];
    const during = await count();
    assert.ok(during["/notifications"] >= before["/notifications"] + 2, JSON.stringify({ before, during }));
    assert.ok(during["/documents"] >= before["/documents"] + 1, JSON.stringify({ before, during }));
    for (const s of sockets) s.disconnect();
  });
});
