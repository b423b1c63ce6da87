// Drives the real native file dialogs under Xvfb with xdotool and xclip (see dialogs.test.mjs, which
// explains why a path is pasted rather than typed). Shared by the tests that go through a real dialog.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { click } from "./harness.mjs";

/** The app's environment with every test-only dialog bypass removed (undefined drops a variable). */
export function withoutBypasses() {
  const env = {};
  for (const name of Object.keys(process.env)) if (name.startsWith("CENTREBOOK_TEST_")) env[name] = undefined;
  return env;
}

export function xdotool(...args) {
  const r = spawnSync("xdotool", args, { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
}

/** Waits for a window titled exactly `title` to be mapped and returns its id. */
export async function dialogTitled(title, timeoutMs = 20000) {
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

export async function dialogGone(id, timeoutMs = 10000) {
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
export function clipboard(text) {
  const owner = spawn("xclip", ["-quiet", "-selection", "clipboard"], { stdio: ["pipe", "ignore", "ignore"] });
  owner.stdin.end(text);
  return () => owner.kill("SIGTERM");
}

/**
 * Enters `file` in the dialog `id` and accepts it: `field` is the key that puts the focus in the
 * dialog's path field (ctrl+l opens an open dialog's location bar; a save dialog's name field has
 * the focus already), whose text is then replaced by the path.
 */
export async function enterPath(id, field, file) {
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
    await dialogGone(id);
  } finally {
    release();
  }
}

/** E2E_DIALOG_SHOTS=/some/folder keeps a picture of the whole screen at each step (for failures). */
export function shot(name) {
  if (process.env.E2E_DIALOG_SHOTS) spawnSync("import", ["-window", "root", path.join(process.env.E2E_DIALOG_SHOTS, `${name}.png`)]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure saying `what` if it takes longer than `ms` (rather than a hung test). */
export function within(ms, what, promise) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Presses a button; the click's reply comes from the window, so a hung window fails here. */
export async function press(b, selector) {
  await within(10000, `the window did not answer a click on ${selector}`, click(b, selector));
}

/** A WebDriver round trip through the window while a dialog is open, in milliseconds. */
export async function windowAnswers(b) {
  const start = performance.now();
  const answer = await within(5000, "the window did not answer while the dialog was open", b.execute(() => document.title));
  assert.equal(typeof answer, "string");
  return performance.now() - start;
}

/** Whether the dialog `id` is still shown. */
function stillOpen(id) {
  return xdotool("search", "--onlyvisible", "--name", ".").out.split("\n").includes(id);
}

/**
 * Chooses `folder` in the folder dialog `id`: its path goes in the location bar (ctrl+l) like a
 * file's, but GTK completes a folder's name with a "/" and Enter then opens the folder rather than
 * choosing it; a second Enter, inside it with nothing selected, chooses the folder shown.
 */
export async function enterFolder(id, folder) {
  const release = clipboard(folder);
  try {
    await sleep(300);
    xdotool("key", "--window", id, "ctrl+l");
    await sleep(300);
    xdotool("key", "ctrl+a");
    xdotool("key", "ctrl+v");
    await sleep(500);
    shot(`${path.basename(folder)}-entered`);
    xdotool("key", "Return");
    for (let i = 0; i < 3 && (await sleep(1000), stillOpen(id)); i++) {
      shot(`${path.basename(folder)}-opened-${i}`);
      xdotool("key", "Return");
    }
    await dialogGone(id);
  } finally {
    release();
  }
}
