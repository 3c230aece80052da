// The REST contract: status codes, the error shape, the session cookie,
// documents and notifications, and /health.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";

import { api, assertError, assertTime, BASE, signUp, signUpOrIn, uniqueEmail, UUID_RE } from "./lib.mjs";

const ADMIN_EMAIL = process.env.WORKSPACE_ADMIN_EMAIL;

describe("auth", () => {
  it("signs up: 201, user and token, rtkit_session cookie HttpOnly, SameSite=Lax, Path=/", async () => {
    const email = uniqueEmail("signup");
    const res = await api("POST", "/api/auth/sign-up", { email, password: "correct horse", name: "Ada" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { user, token } = res.body;
    assert.match(user.id, UUID_RE);
    assert.equal(user.email, email);
    assert.equal(user.name, "Ada");
    assert.equal(user.role, "user");
    assert.equal(typeof token, "string");
    assert.ok(token.length >= 16, "the token is long enough to be unguessable");

    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("rtkit_session="));
    assert.ok(cookie, "Set-Cookie rtkit_session");
    const attrs = cookie.split(";").map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes("httponly"), cookie);
    assert.ok(attrs.includes("samesite=lax"), cookie);
    assert.ok(attrs.includes("path=/"), cookie);
  });

  it("refuses a duplicate email with 409 and invalid sign-ups with 400", async () => {
    const { email } = await signUp();
    assertError(await api("POST", "/api/auth/sign-up", { email, password: "correct horse", name: "Again" }), 409);
    const bad = [
      { email: uniqueEmail(), password: "short", name: "Short" },
      { email: "not-an-email", password: "correct horse", name: "Bad" },
      { email: uniqueEmail(), password: "correct horse" },
      {},
    ];
    for (const body of bad) assertError(await api("POST", "/api/auth/sign-up", body), 400);
    assertError(await api("POST", "/api/auth/sign-up", undefined, { raw: "{not json" }), 400);
  });

  it("signs in: 200 with the same shape and a cookie; wrong credentials 401", async () => {
    const { email, user } = await signUp();
    const res = await api("POST", "/api/auth/sign-in", { email, password: "correct horse" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.user, user);
    assert.equal(typeof res.body.token, "string");
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith("rtkit_session=")));

    assertError(await api("POST", "/api/auth/sign-in", { email, password: "wrong password" }), 401);
    assertError(await api("POST", "/api/auth/sign-in", { email: uniqueEmail(), password: "correct horse" }), 401);
  });

  it("get-session: 200 with a cookie or a Bearer token, 401 otherwise", async () => {
    const { user, token, cookie } = await signUp();
    for (const opts of [{ token }, { cookie }]) {
      const res = await api("GET", "/api/auth/get-session", undefined, opts);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.user, user);
      assert.equal(typeof res.body.session.id, "string");
      assertTime(res.body.session.expiresAt, "session.expiresAt");
      assert.ok(Date.parse(res.body.session.expiresAt) > Date.now(), "the session expires in the future");
    }
    assertError(await api("GET", "/api/auth/get-session"), 401);
    assertError(await api("GET", "/api/auth/get-session", undefined, { token: "not-a-session" }), 401);
  });

  it("sign-out: 204, then the token and the cookie no longer work", async () => {
    const { token, cookie } = await signUp();
    const out = await api("POST", "/api/auth/sign-out", undefined, { token });
    assert.equal(out.status, 204);
    assertError(await api("GET", "/api/auth/get-session", undefined, { token }), 401);
    assertError(await api("GET", "/api/auth/get-session", undefined, { cookie }), 401);
    assertError(await api("GET", "/api/documents", undefined, { token }), 401);
  });
});

describe("documents", () => {
  it("creates, lists, reads, patches and deletes; owner only (404 for others)", async () => {
    const { user, token } = await signUp();
    const other = await signUp();

    const created = await api("POST", "/api/documents", { title: "Plan", content: "first draft" }, { token });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const doc = created.body;
    assert.match(doc.id, UUID_RE);
    assert.equal(doc.title, "Plan");
    assert.equal(doc.content, "first draft");
    assert.equal(doc.ownerId, user.id);
    assertTime(doc.createdAt, "createdAt");
    assertTime(doc.updatedAt, "updatedAt");

    const list = await api("GET", "/api/documents", undefined, { token });
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body), JSON.stringify(list.body));
    assert.deepEqual(list.body.map((d) => d.id), [doc.id]);

    const got = await api("GET", `/api/documents/${doc.id}`, undefined, { token });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, doc);

    const patched = await api("PATCH", `/api/documents/${doc.id}`, { title: "Plan v2" }, { token });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.title, "Plan v2");
    assert.equal(patched.body.content, "first draft", "PATCH keeps the fields it was not given");
    assert.ok(Date.parse(patched.body.updatedAt) >= Date.parse(doc.updatedAt));

    const otherToken = { token: other.token };
    assertError(await api("GET", `/api/documents/${doc.id}`, undefined, otherToken), 404);
    assertError(await api("PATCH", `/api/documents/${doc.id}`, { title: "mine" }, otherToken), 404);
    assertError(await api("DELETE", `/api/documents/${doc.id}`, undefined, otherToken), 404);
    const otherList = await api("GET", "/api/documents", undefined, otherToken);
    assert.deepEqual(otherList.body, []);

    const deleted = await api("DELETE", `/api/documents/${doc.id}`, undefined, { token });
    assert.equal(deleted.status, 204);
    assertError(await api("GET", `/api/documents/${doc.id}`, undefined, { token }), 404);
    assertError(await api("GET", `/api/documents/${randomUUID()}`, undefined, { token }), 404);
  });

  it("validates the title (1..200) and needs a session", async () => {
    const { token } = await signUp();
    assertError(await api("POST", "/api/documents", { title: "", content: "x" }, { token }), 400);
    assertError(await api("POST", "/api/documents", { title: "t".repeat(201), content: "x" }, { token }), 400);
    assert.equal((await api("POST", "/api/documents", { title: "t".repeat(200), content: "" }, { token })).status, 201);
    assertError(await api("POST", "/api/documents", { title: "x", content: "x" }), 401);
    assertError(await api("GET", "/api/documents"), 401);
  });
});

describe("notifications", () => {
  it("creates for the caller, lists newest first, marks read", async () => {
    const { token } = await signUp();
    const first = await api("POST", "/api/notifications", { type: "info", title: "one", message: "first" }, { token });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const n = first.body;
    assert.match(n.id, UUID_RE);
    assert.equal(n.type, "info");
    assert.equal(n.title, "one");
    assert.equal(n.message, "first");
    assert.equal(n.read, false);
    assertTime(n.createdAt, "createdAt");
    const second = await api("POST", "/api/notifications", { type: "warning", title: "two", message: "second" }, { token });
    assert.equal(second.status, 201);

    const list = await api("GET", "/api/notifications", undefined, { token });
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body), JSON.stringify(list.body));
    assert.deepEqual(list.body.map((x) => x.title), ["two", "one"], "newest first");

    const read = await api("POST", `/api/notifications/${n.id}/read`, undefined, { token });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.id, n.id);
    assert.equal(read.body.read, true);
  });

  it("refuses another user's target or a broadcast without the admin role (403), bad input (400)", async () => {
    const { token } = await signUp();
    const other = await signUp();
    const note = { type: "info", title: "t", message: "m" };
    assertError(await api("POST", "/api/notifications", { ...note, userId: other.user.id }, { token }), 403);
    assertError(await api("POST", "/api/notifications", { ...note, broadcast: true }, { token }), 403);
    assertError(await api("POST", "/api/notifications", { ...note, type: "shout" }, { token }), 400);
    assertError(await api("POST", "/api/notifications", { type: "info", message: "m" }, { token }), 400);
    assertError(await api("POST", "/api/notifications", note), 401);

    const mine = await api("POST", "/api/notifications", note, { token });
    assertError(await api("POST", `/api/notifications/${mine.body.id}/read`, undefined, { token: other.token }), 404);
    assertError(await api("POST", `/api/notifications/${randomUUID()}/read`, undefined, { token }), 404);
  });
});

describe("CORS", { skip: !process.env.WORKSPACE_CORS_ORIGIN && "WORKSPACE_CORS_ORIGIN is not set" }, () => {
  const allowed = process.env.WORKSPACE_CORS_ORIGIN;
  const preflight = (origin) => fetch(`${BASE}/api/documents`, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
  });

  it("answers a preflight from an origin of CORS_ORIGINS, with credentials", async () => {
    const res = await preflight(allowed);
    assert.ok(res.ok, `status ${res.status}`);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(res.headers.get("access-control-allow-methods") || "", /POST/);
  });

  it("does not allow other origins", async () => {
    const res = await preflight("http://elsewhere.example");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });
});

describe("health", () => {
  it("tells anyone but an admin the status alone", async () => {
    const res = await api("GET", "/health");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: "ok" });
    const user = await signUp();
    assert.deepEqual((await api("GET", "/health", undefined, { token: user.token })).body, { status: "ok" });
  });

  it("reports ok, Socket.IO namespaces and the adapter to an admin", { skip: !ADMIN_EMAIL && "WORKSPACE_ADMIN_EMAIL is not set" }, async () => {
    const admin = await signUpOrIn(ADMIN_EMAIL, "Admin");
    const res = await api("GET", "/health", undefined, { token: admin.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "ok");
    assert.equal(res.body.socketio.enabled, true);
    assert.equal(typeof res.body.socketio.connected, "number");
    const names = res.body.socketio.namespaces.map((n) => n.name).sort();
    assert.deepEqual(names, ["/documents", "/notifications"]);
    for (const n of res.body.socketio.namespaces) assert.equal(typeof n.connected, "number");
    assert.equal(typeof res.body.adapter.kind, "string");
    assert.equal(res.body.adapter.ok, true);
  });
});
