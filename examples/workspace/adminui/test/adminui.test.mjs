// The official Socket.IO Admin UI (its own static page, from the npm
// package @socket.io/admin-ui, served by the workspace application) in
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// a wrong password is refused; the right one logs in; the UI lists a
// user's socket with its transport and address, shows its rooms and one
// of its rooms, and the disconnect button pressed in the UI disconnects
// it; a page opened later connects with the session id the UI kept; a
// room the user's socket joins appears on the Rooms page and leaves
// it again as the socket leaves the room, and the Events page logs both
// (entries only the live updates room_joined and room_left make); the
// page's fonts and icons load from the application, with nothing refused
// by the Content-Security-Policy. With two URLs (two processes over Redis), the UI is served by and
// connected to the first, and the user's socket is on the second.
// Screenshots go to ADMINUI_SCREENSHOT_DIR (default: the system's
// temporary directory).
//
// Environment: ADMINUI_URLS (comma-separated base URLs; the UI is at
// ADMINUI_PATH of the first, "/admin-ui"), ADMINUI_USERNAME,
// ADMINUI_PASSWORD, WORKSPACE_CHROMIUM (default /usr/bin/chromium),
// ADMINUI_SCREENSHOT_DIR, ADMINUI_SHOT_PREFIX (file name prefix,
// "adminui"), ADMINUI_SERVER_IDS (comma-separated ADMIN_UI_SERVER_ID of
// the processes, which the Servers page must list).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromium } from "playwright-core";
import { io } from "socket.io-client";

const URLS = (process.env.ADMINUI_URLS || "").split(",").filter(Boolean).map((u) => u.replace(/\/$/, ""));
const UI_BASE = URLS[0];
const USER_BASE = URLS[URLS.length - 1];
const UI_PATH = process.env.ADMINUI_PATH || "/admin-ui";
const USERNAME = process.env.ADMINUI_USERNAME || "admin";
const PASSWORD = process.env.ADMINUI_PASSWORD || "";
const CHROMIUM = process.env.WORKSPACE_CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.ADMINUI_SCREENSHOT_DIR || tmpdir();
const PREFIX = process.env.ADMINUI_SHOT_PREFIX || "adminui";
const SERVER_IDS = (process.env.ADMINUI_SERVER_IDS || "").split(",").filter(Boolean);
const WAIT = { timeout: 15_000 };

/** signUp creates an account on base and returns {user, token}. */
async function signUp(base) {
  const email = `adminui-${Math.random().toString(16).slice(2, 10)}@e2e.test`;
  const res = await fetch(base + "/api/auth/sign-up", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse", name: "Watched User" }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body;
}

/** connected opens a user's socket on /notifications of base. */
function connected(base, token) {
  const socket = io(base + "/notifications", { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** ack emits event with payload on socket and returns the acknowledgement. */
async function ack(socket, event, payload) {
  const answer = await socket.timeout(5_000).emitWithAck(event, payload);
  assert.equal(answer.success, true, JSON.stringify(answer));
  return answer.data;
}

describe("Socket.IO Admin UI", { skip: (!existsSync(CHROMIUM) && `no browser at ${CHROMIUM}`) || (!UI_BASE && "no ADMINUI_URLS") }, () => {
  let profile;
  let browser;
  const pageErrors = [];
  const violations = [];

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), "adminui-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open() {
    const page = await browser.newPage();
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error" && /Content Security Policy/.test(msg.text())) violations.push(msg.text());
    });
    await page.goto(UI_BASE + UI_PATH + "/");
    return page;
  }

  async function login(page, password) {
    await page.getByLabel("Server URL").fill(UI_BASE);
    await page.getByLabel("Username").fill(USERNAME);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
  }

  it("refuses a wrong password", async () => {
    const page = await open();
    await login(page, "not the password");
    await page.getByText("Invalid credentials").waitFor(WAIT);
    await page.close();
  });

  it("lists the sockets with their rooms and transport, shows a room, and disconnects a socket", async () => {
    const { user, token } = await signUp(USER_BASE);
    const socket = await connected(USER_BASE, token);
    const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
    try {
      const page = await open();
      await login(page, PASSWORD);
      await page.getByLabel("Password").waitFor({ state: "hidden", ...WAIT });

      // Every process reports to the UI.
      if (SERVER_IDS.length > 0) {
        await page.goto(UI_BASE + UI_PATH + "/#/servers/");
        for (const id of SERVER_IDS) await page.getByText(id, { exact: true }).first().waitFor(WAIT);
        await page.screenshot({ path: join(SHOTS, `${PREFIX}-servers.png`), fullPage: true });
      }

      // The sockets of /notifications, this user's among them.
      await page.goto(UI_BASE + UI_PATH + "/#/sockets/");
      await page.getByLabel("Select namespace").click({ force: true });
      await page.getByRole("option", { name: "/notifications" }).click();
      const row = page.locator("tr", { hasText: socket.id });
      await row.waitFor(WAIT);
      assert.match(await row.innerText(), /WebSocket/, "its transport");
      assert.match(await row.innerText(), /127\.0\.0\.1/, "its address");
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-sockets.png`), fullPage: true });

      // Its details: the rooms it is in.
      const room = `user:${user.id}`;
      await page.goto(`${UI_BASE}${UI_PATH}/#/n/${encodeURIComponent("/notifications")}/sockets/${socket.id}`);
      await page.getByText(room, { exact: true }).first().waitFor(WAIT);

      // One room: its socket.
      await page.goto(`${UI_BASE}${UI_PATH}/#/n/${encodeURIComponent("/notifications")}/rooms/${encodeURIComponent(room)}`);
      await page.getByText(socket.id).first().waitFor(WAIT);
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-room.png`), fullPage: true });

      // Disconnect, pressed in the list of sockets (once the room's page,
      // which lists the socket too, has slid away).
      await page.goto(UI_BASE + UI_PATH + "/#/sockets/");
      await page.waitForFunction((id) => [...document.querySelectorAll("tr")].filter((tr) => tr.innerText.includes(id)).length === 1,
        socket.id, WAIT);
      await row.locator("button").click();
      const reason = await Promise.race([
        disconnected,
        new Promise((_, reject) => setTimeout(() => reject(new Error("not disconnected within 10 s")), 10_000)),
      ]);
      assert.equal(reason, "io server disconnect");
      // The list no longer has it (the click on its row may have opened
      // its details: back to the list).
      await page.goto(UI_BASE + UI_PATH + "/#/sockets/");
      await page.waitForFunction((id) => ![...document.querySelectorAll("tr")].some((tr) => tr.innerText.includes(id)),
        socket.id, WAIT);
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-disconnected.png`), fullPage: true });
      await page.close();
    } finally {
      socket.disconnect();
    }
    assert.deepEqual(pageErrors, [], "no error in the page");
  });

  it("shows a room appear and disappear live as a socket joins and leaves it", async () => {
    const { user, token } = await signUp(USER_BASE);
    const socket = await connected(USER_BASE, token);
    try {
      // The page kept the session id of the previous test's login: it
      // connects with it, without asking for the password.
      const page = await open();
      await page.getByText("connected", { exact: true }).first().waitFor(WAIT);
      assert.equal(await page.getByLabel("Password").isVisible(), false, "no password asked");
      await page.goto(UI_BASE + UI_PATH + "/#/rooms/");
      await page.getByLabel("Select namespace").click({ force: true });
      await page.getByRole("option", { name: "/notifications" }).click();

      const room = `user:${user.id}:live`;
      const cell = (name) => [...document.querySelectorAll("td")].some((td) => td.innerText.trim() === name);
      await ack(socket, "subscribe:channel", { channel: room });
      await page.waitForFunction(cell, room, WAIT);
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-room-joined.png`), fullPage: true });
      await ack(socket, "unsubscribe:channel", { channel: room });
      await page.waitForFunction((name) => ![...document.querySelectorAll("td")].some((td) => td.innerText.trim() === name), room, WAIT);
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-room-left.png`), fullPage: true });

      // The two updates, as the Events page logs them (the socket lists
      // sent every two seconds make no such entries).
      await page.goto(UI_BASE + UI_PATH + "/#/events/");
      await page.locator("tr", { hasText: "Room joined" }).filter({ hasText: room }).first().waitFor(WAIT);
      await page.locator("tr", { hasText: "Room left" }).filter({ hasText: room }).first().waitFor(WAIT);
      await page.screenshot({ path: join(SHOTS, `${PREFIX}-events.png`), fullPage: true });

      // The fonts and icons, from the application itself.
      await page.waitForFunction(() => [...document.fonts].some((f) => f.family.includes("Material Design Icons") && f.status === "loaded"), null, WAIT);
      await page.waitForFunction(() => [...document.fonts].some((f) => f.family.includes("Roboto") && f.status === "loaded"), null, WAIT);
      const outside = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((u) => !u.startsWith(location.origin)));
      assert.deepEqual(outside.filter((u) => !u.startsWith("ws")), [], "nothing loaded from other sites");
      await page.close();
    } finally {
      socket.disconnect();
    }
    assert.deepEqual(pageErrors, [], "no error in the page");
  });

  it("needs nothing the Content-Security-Policy refuses", () => {
    assert.deepEqual(violations, []);
  });
});
