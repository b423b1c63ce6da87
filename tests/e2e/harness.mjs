// Drives the real built app through tauri-driver + WebKitWebDriver. Each test gets its own data
// folder and its own driver (the app inherits the driver's environment, so that is how the data
// folder reaches it). The driver is always stopped with SIGTERM: SIGKILL leaves WebKitWebDriver
// holding its port and the next run hangs.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const APP = process.env.APP_BIN ?? path.join(root, "target/debug/centrebook-app");
export const CLI = process.env.CLI_BIN ?? path.join(root, "target/debug/centrebook");
const DRIVER = process.env.TAURI_DRIVER ?? path.join(os.homedir(), ".cargo/bin/tauri-driver");

export const PASSPHRASE = "e2e passphrase 2026";

export function tempDataDir() {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-"));
  return { dir: path.join(base, "data"), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export const ADMIN_PASSWORD = "e2e admin password";

/** Runs the `centrebook` command on `dir` as the admin; throws with its stderr if it fails. */
export function cli(dir, args, env = {}, input = undefined) {
  const r = spawnSync(CLI, ["--data-dir", dir, ...args], {
    input,
    env: {
      ...process.env,
      CENTREBOOK_KEYCHAIN: "off",
      CENTREBOOK_PASSPHRASE: PASSPHRASE,
      CENTREBOOK_PASSWORD: ADMIN_PASSWORD,
      ...env,
    },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`centrebook ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Registers a candidate through the command line and returns what it printed (JSON). The person's
 * values (the form's field names, `employer` by exact name) go on standard input, never in the
 * arguments, where other users would see them in the process list.
 */
export function addCandidate(dir, person, { force = false, user = "admin", env = {} } = {}) {
  const args = ["--json", "--user", user, "candidate", "add", "--from-json", "-", ...(force ? ["--force"] : [])];
  return JSON.parse(cli(dir, args, env, JSON.stringify(person)));
}

/**
 * Adds a trainer through the command line and returns what it printed (JSON). Their details (name,
 * username, email, phone, registrations as [[SCHEME, NUMBER], ...]) go on standard input, never in
 * the arguments.
 */
export function addTrainer(dir, trainer, { user = "admin", env = {} } = {}) {
  return JSON.parse(cli(dir, ["--json", "--user", user, "trainer", "add", "--from-json", "-"], env, JSON.stringify(trainer)));
}

export function initStore(dir, centre = "E2E Centre") {
  cli(dir, ["init", "--centre", centre, "--admin", "admin"]);
}

function waitForPort(port, timeoutMs = 15000) {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => { s.end(); resolve(); });
      s.once("error", () => {
        s.destroy();
        if (Date.now() - start > timeoutMs) reject(new Error(`nothing listening on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** A TCP port nothing listens on now (the system's choice), so runs side by side never share one. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the app (or `app`, another Tauri binary) on `dataDir`; returns the WebDriver browser and a stop function. */
/** In the page: a 1-pixel, all but transparent square in the corner, changed every frame for a second. */
function repaintForAMoment() {
  let pixel = document.getElementById("e2e-repaint");
  if (!pixel) {
    pixel = document.createElement("div");
    pixel.id = "e2e-repaint";
    pixel.setAttribute("aria-hidden", "true");
    pixel.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647";
    document.body.appendChild(pixel);
  }
  const until = performance.now() + 1000;
  let odd = false;
  const step = () => {
    odd = !odd;
    pixel.style.background = odd ? "rgba(0, 0, 0, 0.01)" : "rgba(0, 0, 0, 0.02)";
    if (performance.now() < until) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

export async function launch(dataDir, env = {}, app = APP) {
  // Ports of our own rather than tauri-driver's fixed 4444/4445: another test run on the same
  // machine (a second checkout, a person trying something) must not take over this one's driver.
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(DRIVER, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, CENTREBOOK_DATA_DIR: dataDir, CENTREBOOK_KEYCHAIN: "off", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForPort(port);
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    capabilities: { "tauri:options": { application: app } },
  });
  // The app turns WebKitGTK's compositing off (src-tauri/src/main.rs). Without compositing,
  // WebKitWebDriver's screenshot waits for the page's next presentation update, which an idle page
  // never makes: the screenshot hung until something on the page changed. A transparent pixel that
  // changes for a moment gives it one. It is WebDriver's wait alone: a person's window paints as usual.
  await browser.overwriteCommand("takeScreenshot", async function (take) {
    await this.execute(repaintForAMoment);
    return take();
  });
  const stop = async () => {
    // E2E_LAST_SHOT=/some/file.png keeps a picture of the window as the test left it (for failures).
    if (process.env.E2E_LAST_SHOT) {
      try { await browser.saveScreenshot(process.env.E2E_LAST_SHOT); } catch { /* no window */ }
    }
    try { await browser.deleteSession(); } catch { /* the app may already be gone */ }
    driver.kill("SIGTERM");
    await new Promise((r) => driver.once("exit", r));
    await stopStrayApps(dataDir);
  };
  return { browser, stop };
}

/**
 * Ends any app process still running on `dataDir` once its driver has gone. Stopping the driver does
 * not always end the app it started; a stray app keeps this test file's output pipe open, and the test
 * runner then waits for it forever after the last test.
 */
async function stopStrayApps(dataDir) {
  const strays = () =>
    readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readlinkSync(`/proc/${pid}/exe`) === APP &&
          readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`CENTREBOOK_DATA_DIR=${dataDir}`);
      } catch {
        return false; // gone already, or not ours to read
      }
    });
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    const found = strays();
    if (!found.length) return;
    for (const pid of found) {
      try { process.kill(Number(pid), signal); } catch { /* ended meanwhile */ }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function textOf(browser, selector, predicate, timeout = 10000) {
  let last = "";
  // Looked up afresh each time: the window re-renders, and an element may be replaced.
  await browser.waitUntil(
    async () => {
      const el = await browser.$(selector);
      last = (await el.isExisting()) ? await el.getText() : "";
      return predicate(last);
    },
    { timeout, timeoutMsg: `${selector} never matched; last text: ${JSON.stringify(last)}` },
  );
  return last;
}

/** Waits for `selector` to be shown and returns it. */
export async function shown(browser, selector, timeout = 10000) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout, timeoutMsg: `${selector} never appeared` });
  return el;
}

/** Types `value` into the field `selector` (replacing what is there). */
export async function fill(browser, selector, value) {
  const el = await shown(browser, selector);
  await el.setValue(value);
  return el;
}

export async function click(browser, selector) {
  const el = await shown(browser, selector);
  await el.waitForEnabled({ timeout: 10000 });
  await el.click();
  return el;
}

/** Signs in on the sign-in screen. */
export async function signIn(browser, username, password) {
  await fill(browser, "#username", username);
  await fill(browser, "#password", password);
  await click(browser, "#sign-in-button");
  await textOf(browser, "#signed-in-user", (t) => t === username);
}

/** Opens a locked store with its passphrase, then signs in (the admin made by `initStore` by default). */
export async function unlockAndSignIn(browser, passphrase = PASSPHRASE, password = ADMIN_PASSWORD, username = "admin") {
  await fill(browser, "#passphrase", passphrase);
  await click(browser, "#unlock");
  await signIn(browser, username, password);
}

/** Scrolls the content pane (not the window) so `selector` is near its top. */
export async function scrollTo(b, selector) {
  await b.execute((sel) => {
    const main = document.querySelector("#content");
    const el = document.querySelector(sel);
    main.scrollTop += el.getBoundingClientRect().top - main.getBoundingClientRect().top - 16;
  }, selector);
}

/**
 * A picture of the window for a closing note's before/after, when SHOTS_DIR is set (otherwise
 * nothing): `at` is brought into view first.
 */
export async function picture(b, name, at = null) {
  if (!process.env.SHOTS_DIR) return;
  if (at) await scrollTo(b, at);
  await new Promise((r) => setTimeout(r, 600));
  await b.saveScreenshot(path.join(process.env.SHOTS_DIR, `${name}.png`));
}

/** Goes to a screen by its hash route, as the navigation links do. */
export async function go(browser, path) {
  await browser.execute((p) => { location.hash = `#/${p}`; }, path);
}

/**
 * Types `typed` into the candidate search box; ms from the keystroke to that query's rows on screen
 * (the screen asks at once, with no debounce), or -1 when they do not show within `limitMs`.
 */
export function timedSearch(browser, typed, limitMs) {
  return browser.executeAsync((typed, limitMs, done) => {
    const input = document.querySelector("#candidate-search");
    const list = () => document.querySelector('ul.results[aria-label="Search results"]');
    const before = list()?.innerHTML;
    const t0 = performance.now();
    input.value = typed;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    const poll = () => {
      const l = list();
      if (l && l.innerHTML !== before && l.children.length > 0) done(performance.now() - t0);
      else if (performance.now() - t0 > limitMs) done(-1);
      else requestAnimationFrame(poll);
    };
    poll();
  }, typed, limitMs);
}
