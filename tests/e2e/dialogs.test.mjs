// The real native file dialogs, opened from the window and driven with xdotool under Xvfb.
//
// Every other test skips the dialogs through the debug-only CENTREBOOK_TEST_* variables; this one
// clears them all, so an open (the import's "Choose a file…"), a save (the centre's public key) and a
// folder (the daily backup's) go through the dialog a clerk sees. It checks that the dialog appears,
// that the window keeps answering while it is open (a blocking dialog on the main thread once hung
// the app for good), and that the app then used the file chosen in it. Needs `xdotool`, `xclip` and an X display (xvfb-run -a).
//
// A path is pasted into the dialog rather than typed: the open dialog completes a folder's names as
// they are typed, and without a window manager its completion popup drops the selection, so a typed
// path came out as "/tmp/centrebook-ntrebook-…". A paste is one insertion, which nothing rewrites.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { dialogTitled, enterFolder, enterPath, press, windowAnswers, withoutBypasses, xdotool } from "./dialogs.mjs";
import { click, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/candidates.csv");

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
    await enterFolder(folder, stick);
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
