// The real native file dialogs, opened from the window and driven with xdotool under Xvfb.
//
// Every other test skips the dialogs through the debug-only CENTREBOOK_TEST_* variables; this one
// clears them all, so an open (the import's "Choose a file…"), a save (the centre's public key) and a
// folder (the daily backup's) go through the dialog a clerk sees. It checks that the dialog appears, that the window keeps
// answering while it is open (a blocking dialog on the main thread once hung the app for good), and
// that the app then used the file chosen in it. Needs `xdotool`, `xclip` and an X display (xvfb-run -a).
//
// A path is pasted into the dialog rather than typed: the open dialog completes a folder's names as
// they are typed, and without a window manager its completion popup drops the selection, so a typed
// path came out as "/tmp/centrebook-ntrebook-…". A paste is one insertion, which nothing rewrites.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { click, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/candidates.csv");

/** The app's environment with every test-only dialog bypass removed (undefined drops a variable). */
function withoutBypasses() {
  const env = {};
  for (const name of Object.keys(process.env)) if (name.startsWith("CENTREBOOK_TEST_")) env[name] = undefined;
  return env;
}

function xdotool(...args) {
  const r = spawnSync("xdotool", args, { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
}

/** Waits for a window titled exactly `title` to be mapped and returns its id. */
async function dialogTitled(title, timeoutMs = 20000) {
  const exact = `^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const r = xdotool("search", "--onlyvisible", "--name", exact);
    if (r.ok && r.out) {
      await sleep(700); // mapped is not yet ready for keys: let GTK settle its focus first
      return r.out.split("\n")[0];
    }
    await sleep(200);
  }
  throw new Error(`no dialog titled ${JSON.stringify(title)} appeared within ${timeoutMs} ms`);
}

async function dialogGone(id, timeoutMs = 10000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (!xdotool("search", "--onlyvisible", "--name", ".").out.split("\n").includes(id)) return;
    await sleep(200);
  }
  throw new Error(`dialog ${id} stayed open`);
}

/**
 * Puts `text` on the clipboard (an xclip kept in the foreground serves it) and returns a function
 * that ends that xclip.
 */
function clipboard(text) {
  const owner = spawn("xclip", ["-quiet", "-selection", "clipboard"], { stdio: ["pipe", "ignore", "ignore"] });
  owner.stdin.end(text);
  return () => owner.kill("SIGTERM");
}

/**
 * Enters `file` in the dialog `id` and accepts it: `field` is the key that puts the focus in the
 * dialog's path field (ctrl+l opens an open dialog's location bar; a save dialog's name field has
 * the focus already), whose text is then replaced by the path. A `folder` is entered with its
 * trailing slash and chosen from inside.
 */
async function enterPath(id, field, file, folder = false) {
  const release = clipboard(file);
  try {
    await sleep(300); // let xclip take the clipboard
    if (field) xdotool("key", "--window", id, field);
    await sleep(300);
    // Sent to the focus (XTEST) from here on: GTK's text field ignores keys sent to a window by id.
    xdotool("key", "ctrl+a");
    xdotool("key", "ctrl+v");
    await sleep(500);
    shot(`${path.basename(file)}-entered`);
    xdotool("key", "Return");
    if (folder) {
      // A folder's path with its slash opens that folder in the dialog; a second Enter chooses it.
      await sleep(700);
      shot(`${path.basename(file)}-opened`);
      xdotool("key", "Return");
    }
    await dialogGone(id);
  } finally {
    release();
  }
}

/** E2E_DIALOG_SHOTS=/some/folder keeps a picture of the whole screen at each step (for failures). */
function shot(name) {
  if (process.env.E2E_DIALOG_SHOTS) spawnSync("import", ["-window", "root", path.join(process.env.E2E_DIALOG_SHOTS, `${name}.png`)]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure saying `what` if it takes longer than `ms` (rather than a hung test). */
function within(ms, what, promise) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Presses a button; the click's reply comes from the window, so a hung window fails here. */
async function press(b, selector) {
  await within(10000, `the window did not answer a click on ${selector}`, click(b, selector));
}

/** A WebDriver round trip through the window while a dialog is open, in milliseconds. */
async function windowAnswers(b) {
  const start = performance.now();
  const answer = await within(5000, "the window did not answer while the dialog was open", b.execute(() => document.title));
  assert.equal(typeof answer, "string");
  return performance.now() - start;
}

test("the real open, save and folder dialogs appear, leave the window answering, and their files are used", async () => {
  assert.ok(xdotool("version").ok, "xdotool is needed to drive the dialogs (apt-get install xdotool)");
  assert.equal(spawnSync("xclip", ["-version"]).status, 0, "xclip is needed to paste paths into the dialogs (apt-get install xclip)");
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  // Outside the data folder, under names no bypass would invent.
  const work = path.join(path.dirname(dir), "chosen");
  mkdirSync(work);
  const chosen = path.join(work, "picked in the dialog.csv");
  copyFileSync(FIXTURE, chosen);
  const saved = path.join(work, "key chosen in the dialog.txt");

  const { browser: b, stop } = await launch(dir, withoutBypasses());
  try {
    await unlockAndSignIn(b);

    // Open: Import's "Choose a file…"; the window answers while the dialog waits.
    await click(b, "#nav-import");
    await press(b, "#choose-import-file");
    const open = await dialogTitled("Choose a file of candidates");
    const openRoundTrip = await windowAnswers(b);
    await enterPath(open, "ctrl+l", chosen);
    await textOf(b, "#import-file-name", (t) => t === path.basename(chosen), 20000);
    await shown(b, "#fates");
    // The fixture's rows, as the dry run read them from the file chosen.
    assert.equal(await textOf(b, '[data-count="imported"]', (t) => t.length > 0), "3");
    assert.equal(await textOf(b, '[data-count="matched"]', (t) => t.length > 0), "1");
    assert.equal(await textOf(b, '[data-count="rejected"]', (t) => t.length > 0), "2");

    // Save: the centre's public key, under a name and folder of the test's choosing.
    await go(b, "verify");
    await press(b, "#export-key");
    const save = await dialogTitled("Save the centre's public key");
    const saveRoundTrip = await windowAnswers(b);
    await enterPath(save, null, saved);
    await textOf(b, "#key-notice", (t) => t.startsWith(`Saved ${path.basename(saved)}.`), 20000);
    assert.ok(existsSync(saved), `nothing saved at ${saved}`);
    assert.match(readFileSync(saved, "utf8"), /^CENTREBOOK PUBLIC KEY 1\n/);

    // A folder: where the daily backup goes; the first backup is written there at once.
    const stick = path.join(work, "backup stick");
    mkdirSync(stick);
    await go(b, "backup");
    await press(b, "#choose-daily-folder");
    const folder = await dialogTitled("Choose the folder for the daily backup");
    const folderRoundTrip = await windowAnswers(b);
    await enterPath(folder, "ctrl+l", `${stick}/`, true);
    await textOf(b, "#daily-status", (t) => t.includes(stick), 20000);
    assert.deepEqual(readdirSync(stick).map((f) => f.replace(/\d{4}-\d\d-\d\d/, "DATE")), ["auto-DATE.cbbackup"]);

    console.log(
      `window round trip with the dialog open: open ${openRoundTrip.toFixed(0)} ms, save ${saveRoundTrip.toFixed(0)} ms, folder ${folderRoundTrip.toFixed(0)} ms`,
    );
  } finally {
    await stop();
    cleanup();
  }
});
