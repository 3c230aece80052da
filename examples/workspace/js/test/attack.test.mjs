// Attacks on a signed-in victim from a page on another origin, in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core): the
// attacker's pages are served by this script on 127.0.0.1 — the same site
// as the application on another port — and, through Chromium's host
// resolver, as http://attacker.test, another site.
//
// - login CSRF: a cross-site form posts the attacker's credentials as
//   text/plain, to sign the victim in as the attacker;
// - same-site CSRF: no-cors requests with the victim's cookie create a
//   document (text/plain, form-encoded, untyped bodies) and sign out;
// - framing: the demo page inside the attacker's iframe, its buttons live.
//
// Environment: WORKSPACE_URL (the application, on 127.0.0.1);
// WORKSPACE_CHROMIUM (the browser, default /usr/bin/chromium).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromium } from "playwright-core";

import { api, BASE, signUp, uniqueEmail } from "./lib.mjs";

const CHROMIUM = process.env.WORKSPACE_CHROMIUM || "/usr/bin/chromium";
const WAIT = { timeout: 10_000 };
const ATTACKER_HOST = "attacker.test";

// attackerPages are the attacker's HTML, by path; APP is the target.
function attackerPages(app, credentials) {
  // A text/plain form whose one field spells a JSON object: the body is
  // name=value, {"email":…,"pad":"="}.
  const name = JSON.stringify({ ...credentials, pad: "" }).slice(0, -2);
  const loginForm = `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${app}/api/auth/sign-in">
    <input type="hidden" name='${name}' value='"}'></form>
    <script>document.getElementById("f").submit();</script>`;
  const sameSite = `<!doctype html><title>working</title><script>
    const opts = { method: "POST", mode: "no-cors", credentials: "include" };
    (async () => {
      const results = [];
      const attempt = async (path, extra) => {
        try { await fetch("${app}" + path, { ...opts, ...extra }); results.push("sent"); }
        catch (e) { results.push(String(e)); }
      };
      await attempt("/api/documents", { headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ title: "planted as text/plain" }) });
      await attempt("/api/documents", { body: new URLSearchParams({ '{"title":"planted as a form","pad":"': '"}' }) });
      await attempt("/api/documents", { body: new Blob([JSON.stringify({ title: "planted untyped" })]) });
      await attempt("/api/notifications", { headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ type: "info", title: "t", message: "planted" }) });
      await attempt("/api/auth/sign-out", {});
      window.results = results;
      document.title = "done";
    })();
  </script>`;
  const frame = `<!doctype html><title>win a prize</title>
    <iframe id="victim" src="${app}/" width="800" height="600"></iframe>
    <script>document.getElementById("victim").addEventListener("load", () => { window.frameLoaded = true; });</script>`;
  return { "/login": loginForm, "/same-site": sameSite, "/frame": frame };
}

describe("attacks from another origin", { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` }, () => {
  let profile;
  let browser;
  let server;
  let port;
  let pages = {};

  before(async () => {
    assert.match(BASE, /^http:\/\/127\.0\.0\.1:\d+$/, "the application runs on 127.0.0.1");
    server = createServer((req, res) => {
      const body = pages[new URL(req.url, "http://x").pathname];
      res.writeHead(body ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
      res.end(body ?? "not found");
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = server.address().port;
    profile = mkdtempSync(join(tmpdir(), "workspace-attack-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        `--host-resolver-rules=MAP ${ATTACKER_HOST} 127.0.0.1`,
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => server?.close(resolve) ?? resolve());
  });

  // victim signs up in the browser (the session cookie is the browser's)
  // and returns the account's token for checks made outside it.
  async function victim(page) {
    const email = uniqueEmail("victim");
    await page.goto(BASE + "/");
    const res = await page.evaluate(async (body) => {
      const r = await fetch("/api/auth/sign-up", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    }, { email, password: "correct horse", name: "Victim" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token;
  }

  const session = (page) => page.evaluate(async () => {
    const r = await fetch("/api/auth/get-session");
    return { status: r.status, body: await r.json() };
  });

  it("a cross-site form cannot sign the victim in as the attacker (login CSRF)", async () => {
    const attacker = await signUp(BASE, uniqueEmail("attacker"), "Attacker");
    pages = attackerPages(BASE, { email: attacker.email, password: "correct horse" });
    const page = await browser.newPage();
    await page.goto(BASE + "/");
    assert.equal((await session(page)).status, 401, "the victim has no session yet");

    await Promise.all([
      page.waitForURL(`${BASE}/api/auth/sign-in`, WAIT),
      page.goto(`http://${ATTACKER_HOST}:${port}/login`),
    ]);
    await page.goto(BASE + "/");
    const after = await session(page);
    assert.equal(after.status, 401, `the victim's browser is signed in: ${JSON.stringify(after.body)}`);
    await page.close();
  });

  it("a same-site page cannot create, notify or sign out with the victim's cookie (CSRF)", async () => {
    const page = await browser.newPage();
    const token = await victim(page);
    pages = attackerPages(BASE, {});
    await page.goto(`http://127.0.0.1:${port}/same-site`);
    await page.waitForFunction(() => document.title === "done", null, WAIT);
    // Each fetch either resolves (an opaque response) or fails because
    // Cross-Origin-Resource-Policy keeps the response from the page; the
    // request went out either way. What counts is the server's state.
    console.log(`attacker's fetches: ${JSON.stringify(await page.evaluate(() => window.results))}`);

    assert.equal((await api("GET", "/api/auth/get-session", undefined, { token })).status, 200, "still signed in");
    const docs = await api("GET", "/api/documents", undefined, { token });
    assert.deepEqual(docs.body, [], "no document was planted");
    const notes = await api("GET", "/api/notifications", undefined, { token });
    assert.deepEqual(notes.body.filter((n) => n.message === "planted"), [], "no notification was planted");
    await page.close();
  });

  it("the demo page does not render inside another site's frame (clickjacking)", async () => {
    const page = await browser.newPage();
    await victim(page);
    pages = attackerPages(BASE, {});
    for (const origin of [`http://127.0.0.1:${port}`, `http://${ATTACKER_HOST}:${port}`]) {
      await page.goto(`${origin}/frame`);
      await page.waitForFunction(() => window.frameLoaded === true, null, WAIT);
      const child = page.frames().find((f) => f.parentFrame() === page.mainFrame());
      assert.ok(child, "the iframe exists");
      let rendered;
      try {
        rendered = await child.evaluate(() => document.getElementById("sign-out") !== null);
      } catch {
        rendered = false; // the browser's error page, closed to scripts
      }
      assert.equal(rendered, false, `the page with its Sign out button renders in a frame of ${origin}`);
    }
    await page.close();
  });
});
