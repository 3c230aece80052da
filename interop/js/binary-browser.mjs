// Opens binary.html in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) and prints the page's window.__result as one
// JSON line, for interop_binary_test.go.
//
//   node binary-browser.mjs CHROMIUM PAGE_URL
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [CHROMIUM, URL] = process.argv.slice(2);
const profile = await mkdtemp(join(tmpdir(), "rtkit-binary-"));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  await page.goto(URL);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
  console.log(JSON.stringify(await page.evaluate(() => window.__result)));
} finally {
  if (browser) await browser.close();
  await rm(profile, { recursive: true, force: true });
}
