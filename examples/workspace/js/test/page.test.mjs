// The demo page in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): a refused sign-in, sign-up; a notification sent through
// REST appears live and is marked read, and so does an admin's broadcast;
// a document created on the page changes live when it is renamed through
// REST; sign out and in again. Saves screenshots.
//
// Environment: WORKSPACE_URL; WORKSPACE_CHROMIUM (the browser, default
// /usr/bin/chromium); WORKSPACE_SCREENSHOT_DIR (where the screenshot goes,
// default the system's temporary directory); WORKSPACE_NOCLIENT_URL (a
// process that cannot find the client script, optional);
// WORKSPACE_ADMIN_EMAIL (an address of ADMIN_EMAILS, optional: an admin's
// broadcast then appears on the page too).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { chromium } from "playwright-core";

import { api, BASE, signUpOrIn, uniqueEmail } from "./lib.mjs";

const CHROMIUM = process.env.WORKSPACE_CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.WORKSPACE_SCREENSHOT_DIR || tmpdir();
const NO_CLIENT = process.env.WORKSPACE_NOCLIENT_URL;
const ADMIN_EMAIL = process.env.WORKSPACE_ADMIN_EMAIL;
const WAIT = { timeout: 10_000 };

// The official CDN's copy the page falls back to, and npm's file it must be
// byte for byte (the Subresource Integrity hash in the tag is that file's).
const CDN_SCRIPT = /^https:\/\/cdn\.socket\.io\/\d+\.\d+\.\d+\/socket\.io\.min\.js$/;
const NPM_SCRIPT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..",
  "node_modules", "socket.io-client", "dist", "socket.io.min.js"));

describe("demo page", { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` }, () => {
  let profile;
  let browser;
  const pageErrors = [];

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), "workspace-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 1100 },
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
    return page;
  }

  // The page's script tags, as the server rendered them.
  async function scriptTags(page) {
    return page.$$eval("script", (tags) => tags.map((t) => ({
      src: t.getAttribute("src"), integrity: t.getAttribute("integrity"), crossorigin: t.getAttribute("crossorigin"),
    })));
  }

  it("says what to run when the Socket.IO client script is missing", async () => {
    const page = await open();
    let base = NO_CLIENT;
    if (!base) {
      // No such process given: answer for the script as a missing one.
      base = BASE;
      await page.route("**/vendor/socket.io.min.js", (route) =>
        route.fulfill({ status: 404, contentType: "text/javascript", body: "/* not installed */" }));
    }
    // The CDN cannot be reached either (as on a machine offline).
    await page.route(CDN_SCRIPT, (route) => route.abort("internetdisconnected"));
    await page.goto(base + "/");
    const banner = page.locator("#missing-client");
    await banner.waitFor({ state: "visible", ...WAIT });
    assert.match(await banner.textContent(), /npm ci --prefix examples\/workspace\/js/);
    const shot = join(SHOTS, "workspace-demo-missing-client.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    await page.close();
  });

  it("falls back to the official CDN's script, pinned and checked by its hash", { skip: !NO_CLIENT && "needs WORKSPACE_NOCLIENT_URL" }, async () => {
    const page = await open();
    const asked = [];
    await page.route(CDN_SCRIPT, (route) => {
      asked.push(route.request().url());
      // What cdn.socket.io answers: npm's file, readable across origins.
      return route.fulfill({ status: 200, contentType: "application/javascript; charset=utf-8",
        headers: { "Access-Control-Allow-Origin": "*" }, body: NPM_SCRIPT });
    });
    const res = await page.goto(NO_CLIENT + "/");
    const tags = (await scriptTags(page)).filter((t) => t.src && t.src.includes("socket.io"));
    assert.equal(tags.length, 1, "one client script tag");
    assert.match(tags[0].src, CDN_SCRIPT, "pinned by version");
    assert.match(tags[0].integrity, /^sha384-[A-Za-z0-9+/]{64}$/, "with its Subresource Integrity hash");
    assert.equal(tags[0].crossorigin, "anonymous", "fetched so that the hash can be checked");
    const csp = res.headers()["content-security-policy"];
    if (csp) assert.match(csp, /script-src [^;]*https:\/\/cdn\.socket\.io/, "the policy allows the CDN's script");
    await page.waitForFunction(() => typeof io === "function", null, WAIT);
    assert.deepEqual(asked, [tags[0].src]);
    assert.equal(await page.locator("#missing-client").isVisible(), false, "the page runs on the CDN's script");
    await page.close();

    // A CDN that serves anything else is refused by the hash.
    const tampered = await open();
    await tampered.route(CDN_SCRIPT, (route) => route.fulfill({ status: 200, contentType: "application/javascript",
      headers: { "Access-Control-Allow-Origin": "*" }, body: `${NPM_SCRIPT};window.tampered = true;` }));
    await tampered.goto(NO_CLIENT + "/");
    await tampered.locator("#missing-client").waitFor({ state: "visible", ...WAIT });
    assert.equal(await tampered.evaluate(() => typeof io + "/" + typeof window.tampered), "undefined/undefined",
      "the browser did not run a script whose hash differs");
    await tampered.close();
  });

  it("signs up, shows notifications live and marks one read, follows a document live", async () => {
    const page = await open();
    await page.route(CDN_SCRIPT, (route) => route.abort("blockedbyclient"));
    await page.goto(BASE + "/");
    assert.deepEqual((await scriptTags(page)).map((t) => t.src).filter((src) => src && src.includes("socket.io")),
      ["/vendor/socket.io.min.js"], "the local install's script, not the CDN's");
    await page.waitForFunction(() => typeof io === "function", null, WAIT);
    assert.equal(await page.locator("#missing-client").isVisible(), false, "the app serves the client script");

    const email = uniqueEmail("page");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel(/^Password/).fill("correct horse");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: /invalid email or password/i }).waitFor(WAIT);

    await page.getByLabel(/^Name/).fill("Grace Hopper");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.locator("#account").waitFor({ state: "visible", ...WAIT });
    assert.equal(await page.locator("#account-name").textContent(), "Grace Hopper");
    await page.waitForFunction(() =>
      document.getElementById("conn-notifications").textContent.endsWith("online")
      && document.getElementById("conn-documents").textContent.endsWith("online"), null, WAIT);

    // A notification sent through REST, from another session of the user.
    const session = await api("POST", "/api/auth/sign-in", { email, password: "correct horse" });
    assert.equal(session.status, 200);
    const token = session.body.token;
    const sent = await api("POST", "/api/notifications",
      { type: "success", title: "Build passed", message: "All 42 checks are green" }, { token });
    assert.equal(sent.status, 201);
    const item = page.locator(`#notification-list li[data-id="${sent.body.id}"]`);
    await item.waitFor(WAIT);
    assert.match(await item.textContent(), /Build passed.*All 42 checks are green/);

    await item.getByRole("button", { name: /Mark .* as read/ }).click();
    await page.waitForFunction((id) =>
      document.querySelector(`#notification-list li[data-id="${id}"]`).classList.contains("read"), sent.body.id, WAIT);
    const listed = await api("GET", "/api/notifications", undefined, { token });
    assert.equal(listed.body.find((n) => n.id === sent.body.id).read, true, "mark:read reached the server");

    // An admin's announcement: the page follows the broadcast channel. (Its
    // subscribe:channel went out on connection, before mark:read, and one
    // socket's events are handled in order: it is done by now.)
    if (ADMIN_EMAIL) {
      const admin = await signUpOrIn(ADMIN_EMAIL, "Admin");
      const all = await api("POST", "/api/notifications",
        { broadcast: true, type: "warning", title: "Maintenance tonight", message: "From 22:00 UTC" },
        { token: admin.token });
      assert.equal(all.status, 201, JSON.stringify(all.body));
      await page.locator(`#notification-list li[data-id="${all.body.id}"]`).waitFor(WAIT);
    }

    // A document created on the page, renamed through REST: the page learns
    // it only from document:updated.
    await page.getByLabel("Title", { exact: true }).fill("Meeting notes");
    await page.getByLabel("Content", { exact: true }).fill("Agenda: ship it");
    await page.getByRole("button", { name: "Create document" }).click();
    const doc = page.locator("#document-list li", { hasText: "Meeting notes" });
    await doc.waitFor(WAIT);
    const id = await doc.getAttribute("data-id");
    const renamed = await api("PATCH", `/api/documents/${id}`, { title: "Meeting notes (final)" }, { token });
    assert.equal(renamed.status, 200);
    await page.waitForFunction((docId) =>
      document.querySelector(`#document-list li[data-id="${docId}"] .title`).textContent === "Meeting notes (final)",
    id, WAIT);

    const shot = join(SHOTS, "workspace-demo.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#auth").waitFor({ state: "visible", ...WAIT });
    assert.equal((await api("GET", "/api/auth/get-session", undefined, { token })).status, 200,
      "signing out on the page ends only the page's session");

    // Signing in again loads what the REST API holds.
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel(/^Password/).fill("correct horse");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(`#document-list li[data-id="${id}"]`).waitFor(WAIT);
    assert.equal(await page.locator(`#notification-list li[data-id="${sent.body.id}"].read`).count(), 1,
      "the notification read earlier is listed as read");
    await page.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors on the page");
  });
});
