// Helpers shared by the end-to-end tests: REST calls, accounts, Socket.IO
// connections with the official client, and waiting for events (or for
// their absence) with a deadline.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";

/** Base URL of the application under test (no trailing slash). */
export const BASE = (process.env.WORKSPACE_URL || "").replace(/\/$/, "");

/** How long a test waits for an event it expects. */
export const EVENT_MS = 5000;

/** How long a test watches for an event that must not arrive. */
export const QUIET_MS = 400;

/**
 * request calls the REST API of base and returns {status, body, headers}.
 * opts: token (Bearer), cookie (raw Cookie header), raw (a string body sent
 * as is).
 */
export async function request(base, method, path, body, opts = {}) {
  const headers = {};
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.Cookie = opts.cookie;
  let payload;
  if (opts.raw !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = opts.raw;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  let parsed = null;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** api is request against BASE. */
export const api = (method, path, body, opts) => request(BASE, method, path, body, opts);

/** uniqueEmail returns an address no other test uses. */
export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.test`;
}

/**
 * signUp creates an account on base and returns {user, token, cookie}, where
 * cookie is the "rtkit_session=…" pair for a Cookie header.
 */
export async function signUp(base = BASE, email = uniqueEmail(), name = "E2E User") {
  const res = await request(base, "POST", "/api/auth/sign-up", { email, password: "correct horse", name });
  assert.equal(res.status, 201, `sign-up ${email}: ${JSON.stringify(res.body)}`);
  return { ...res.body, email, cookie: sessionCookie(res.headers) };
}

/**
 * signUpOrIn signs up email on base, or signs in when the account exists
 * (a fixed address such as the one in ADMIN_EMAILS), and returns what
 * signUp returns.
 */
export async function signUpOrIn(email, name, base = BASE) {
  const up = await request(base, "POST", "/api/auth/sign-up", { email, password: "correct horse", name });
  if (up.status === 201) return { ...up.body, email, cookie: sessionCookie(up.headers) };
  assert.equal(up.status, 409, `sign-up ${email}: ${JSON.stringify(up.body)}`);
  const inn = await request(base, "POST", "/api/auth/sign-in", { email, password: "correct horse" });
  assert.equal(inn.status, 200, `sign-in ${email}: ${JSON.stringify(inn.body)}`);
  return { ...inn.body, email, cookie: sessionCookie(inn.headers) };
}

/** sessionCookie returns the rtkit_session pair of a response's Set-Cookie. */
export function sessionCookie(headers) {
  const line = headers.getSetCookie().find((c) => c.startsWith("rtkit_session="));
  assert.ok(line, "the response sets the rtkit_session cookie");
  return line.split(";")[0];
}

/** The REST error code of each status (the application's README). */
const CODES = { 400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT" };

/** assertError checks the status and the REST error shape {error: {code, message}}. */
export function assertError(res, status) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, CODES[status], `error.code in ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.error.message, "string", `error.message in ${JSON.stringify(res.body)}`);
  assert.ok(res.body.error.message.length > 0);
  if (status === 400) assert.ok(Array.isArray(res.body.error.details ?? []), "details, when present, is a list");
}

const sockets = new Set();

/**
 * connect opens a Socket.IO connection to namespace nsp of base with the
 * official client (websocket, no reconnection unless opts say so). The
 * socket is closed by closeAll.
 */
export function connect(nsp, opts = {}, base = BASE) {
  const socket = io(base + nsp, { transports: ["websocket"], reconnection: false, forceNew: true, ...opts });
  sockets.add(socket);
  return socket;
}

/** connected connects with the token and waits for "connect". */
export async function connected(nsp, token, opts = {}, base = BASE) {
  const socket = connect(nsp, { auth: { token }, ...opts }, base);
  await next(socket, "connect");
  return socket;
}

/** closeAll disconnects every socket the test opened. */
export function closeAll() {
  for (const socket of sockets) socket.disconnect();
  sockets.clear();
}

/**
 * next resolves with the arguments of the next event on emitter (a socket,
 * or its Manager), or rejects after ms. With CSR on, the server appends
 * the recovery offset as a last string argument; args[0] is the payload.
 */
export function next(emitter, event, ms = EVENT_MS, filter = () => true) {
  return new Promise((resolve, reject) => {
    const onEvent = (...args) => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    emitter.on(event, onEvent);
  });
}

/** collect records every payload of event on socket, in arrival order. */
export function collect(socket, event) {
  const seen = [];
  socket.on(event, (payload) => seen.push(payload));
  return seen;
}

/** sleep waits ms milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** ack emits event with payload and returns the acknowledgement envelope. */
export function ack(socket, event, payload) {
  return socket.timeout(EVENT_MS).emitWithAck(event, payload);
}

/** assertAckError checks a failure envelope and its code. */
export function assertAckError(res, code) {
  assert.equal(res.success, false, JSON.stringify(res));
  assert.equal(res.error?.code, code, JSON.stringify(res));
  assert.equal(typeof res.error.message, "string");
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** assertTime asserts that value is a time string (RFC 3339). */
export function assertTime(value, what) {
  assert.equal(typeof value, "string", `${what} is a string`);
  assert.ok(!Number.isNaN(Date.parse(value)), `${what} is a time: ${value}`);
}
