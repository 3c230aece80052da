// A process with non-default configuration: SOCKET_IO_PATH, a small
// SOCKET_RATE_LIMIT and a short SESSION_TTL. The default rate limit
// (100/1m) is checked in notifications.test.mjs.
//
// Environment: WORKSPACE_CONFIG_URL (the process's base URL) and its
// settings WORKSPACE_CONFIG_PATH (SOCKET_IO_PATH), WORKSPACE_CONFIG_RATE
// (SOCKET_RATE_LIMIT, "N/<duration>" with a duration of a minute or more)
// and WORKSPACE_CONFIG_TTL (SESSION_TTL in whole seconds, "4s").
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { ack, assertAckError, closeAll, connect, connected, next, request, signUp } from "./lib.mjs";

const URL = process.env.WORKSPACE_CONFIG_URL;
const PATH = process.env.WORKSPACE_CONFIG_PATH;
const LIMIT = Number((process.env.WORKSPACE_CONFIG_RATE || "").split("/")[0]);
const TTL_S = Number((process.env.WORKSPACE_CONFIG_TTL || "").replace(/s$/, ""));

after(closeAll);

describe("configuration", { skip: !(URL && PATH && LIMIT && TTL_S) && "WORKSPACE_CONFIG_* are not set" }, () => {
  const dial = (nsp, token) => connected(nsp, token, { path: PATH }, URL);

  it("SOCKET_IO_PATH: Socket.IO answers there, not on the default path", async () => {
    const { token } = await signUp(URL);
    const socket = await dial("/notifications", token);
    assert.ok(socket.connected);
    const old = await request(URL, "GET", "/socket.io/?EIO=4&transport=polling");
    assert.equal(old.status, 404);
    const [err] = await next(connect("/notifications", { auth: { token } }, URL), "connect_error");
    assert.ok(err, "the default path refuses the client");
  });

  it(`SOCKET_RATE_LIMIT: ${LIMIT} events per socket, then RATE_LIMITED; other sockets are not affected`, async () => {
    const { user, token } = await signUp(URL);
    const channel = { channel: `user:${user.id}` };
    const socket = await dial("/notifications", token);
    for (let i = 0; i < LIMIT; i++) {
      assert.equal((await ack(socket, "subscribe:channel", channel)).success, true, `event ${i + 1}`);
    }
    const refused = await ack(socket, "subscribe:channel", channel);
    assertAckError(refused, "RATE_LIMITED");
    // N per minute frees one event every 60/N s: the wait is at most that.
    const wait = refused.error.retryAfterMs;
    assert.ok(wait > 0 && wait <= 60_000 / LIMIT, `retryAfterMs ${wait}`);

    const error = next(socket, "error");
    socket.emit("unsubscribe:channel", channel);
    assert.equal((await error)[0].code, "RATE_LIMITED", "without an acknowledgement: the error event");
    assert.ok(socket.connected, "the socket stays connected");

    const docs = await dial("/documents", token);
    const fresh = await ack(docs, "document:unsubscribe", { documentId: "00000000-0000-4000-8000-000000000000" });
    assert.equal(fresh.success, true, `another socket has its own budget: ${JSON.stringify(fresh)}`);
  });

  it("SESSION_TTL: the cookie's Max-Age, expiresAt, then auth:expired, disconnect and 401", async () => {
    const started = Date.now();
    const res = await request(URL, "POST", "/api/auth/sign-up",
      { email: `ttl-${started}@e2e.test`, password: "correct horse", name: "Brief" });
    assert.equal(res.status, 201);
    // The session starts somewhere between the request and its answer,
    // which can be a second or more apart on a busy machine (bcrypt).
    const answered = Date.now();
    const token = res.body.token;
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("rtkit_session="));
    // Max-Age counts the whole seconds left: SESSION_TTL, or one less.
    const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie)?.[1]);
    assert.ok(maxAge === TTL_S || maxAge === TTL_S - 1, cookie);
    const session = await request(URL, "GET", "/api/auth/get-session", undefined, { token });
    const expiresAt = Date.parse(session.body.session.expiresAt);
    assert.ok(expiresAt - started > (TTL_S - 2) * 1000 && expiresAt - answered <= (TTL_S + 1) * 1000,
      `expiresAt ${expiresAt - started} ms after the sign-up was sent, ${expiresAt - answered} ms after its answer`);

    const socket = await dial("/documents", token);
    const told = next(socket, "auth:expired", (TTL_S + 5) * 1000);
    const gone = next(socket, "disconnect", (TTL_S + 5) * 1000);
    assert.deepEqual((await told)[0], { reason: "expired" });
    assert.equal((await gone)[0], "io server disconnect");
    assert.ok(Date.now() - started >= (TTL_S - 1) * 1000, "not before the session ends");
    assert.equal((await request(URL, "GET", "/api/auth/get-session", undefined, { token })).status, 401);
  });
});
