// Opens attack pages in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) with a victim's cookie set for the victim
// server's host, and prints what each page managed to read, one JSON line
// per page: {"page": url, "result": {...}}.
//
//   node crosssite.mjs CHROMIUM COOKIE_URL COOKIE_NAME COOKIE_VALUE PAGE_URL...
//
// The pages do the attacking; each sets window.__result when it is done.
// The cookie is SameSite=Lax, as browsers treat a cookie by default: it is
// sent to the victim from pages of the same site (another port of the
// host), which is what the attacks rely on.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [CHROMIUM, COOKIE_URL, COOKIE_NAME, COOKIE_VALUE, ...PAGES] = process.argv.slice(2);
const PAGE_MS = 30_000;

const profile = await mkdtemp(join(tmpdir(), "rtkit-crosssite-"));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  await browser.addCookies([{
    name: COOKIE_NAME, value: COOKIE_VALUE, url: COOKIE_URL, httpOnly: true, sameSite: "Lax",
  }]);
  for (const url of PAGES) {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: PAGE_MS });
    const result = await page.evaluate(() => window.__result);
    console.log(JSON.stringify({ page: url, result }));
    await page.close();
  }
} finally {
  if (browser) await browser.close();
  await rm(profile, { recursive: true, force: true });
}
