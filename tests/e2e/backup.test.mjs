// The daily backup the app takes by itself: an admin chooses the folder (a USB stick) on the Backup
// page, today's backup is written there at once and the page says when; when the stick is pulled
// out, the next start's automatic backup fails and every page warns the admin, and the command line
// reports the same plan. Debug builds take the chosen folder from CENTREBOOK_TEST_FOLDER
// instead of the native folder dialog (dialogs.test.mjs drives the real dialogs).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { cli, click, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

test("the app backs up daily into the folder an admin chose, and warns on every page when it cannot", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const stick = path.join(dir, "..", `${path.basename(dir)}-stick`);
  mkdirSync(stick);
  try {
    let { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_FOLDER: stick });
    try {
      await unlockAndSignIn(b);
      await go(b, "backup");
      await textOf(b, "#daily-status", (t) => t.startsWith("Off."));
      assert.equal(await textOf(b, "#last-backup", (t) => t.length > 0), "No backup has been taken yet");
      await click(b, "#choose-daily-folder");
      await textOf(b, "#daily-status", (t) => t.includes(stick) && t.includes("keeping the newest 14"));
      await textOf(b, "#last-backup", (t) => /^Last backup: \d\d\/\d\d\/\d{4} \d\d:\d\d/.test(t));
      const today = new Date().toISOString().slice(0, 10);
      assert.deepEqual(readdirSync(stick), [`auto-${today}.cbbackup`], "today's backup on the stick");
      assert.equal(await (await b.$("#backup-warning")).isExisting(), false, "nothing to warn about");
    } finally {
      await stop();
    }

    // The stick is pulled out; the app's own backup after unlocking fails, and the admin is told.
    rmSync(stick, { recursive: true });
    ({ browser: b, stop } = await launch(dir));
    try {
      await unlockAndSignIn(b);
      // The reminder asks again on each page change; the automatic backup runs a moment after unlock.
      const deadline = Date.now() + 15000;
      while (!(await (await b.$("#backup-warning")).isExisting()) && Date.now() < deadline) {
        await go(b, "runs");
        await new Promise((r) => setTimeout(r, 500));
        await go(b, "candidates");
      }
      const warning = await textOf(b, "#backup-warning", (t) => t.length > 0);
      assert.match(warning, /^The automatic backup could not be written on \d\d\/\d\d\/\d{4}/);
      assert.ok(warning.includes(stick), `names the folder: ${warning}`);
      await shown(b, "#backup-warning button");
      await click(b, "#backup-warning button");
      await shown(b, "#daily-status");
    } finally {
      await stop();
    }
    assert.equal(existsSync(stick), false, "a missing stick is never recreated on the laptop's disk");
    const plan = JSON.parse(cli(dir, ["--user", "admin", "--json", "backup-plan"]));
    assert.equal(plan.folder, stick);
    assert.ok(plan.last && plan.failed, "the CLI sees the same plan: last backup and the failure");
  } finally {
    rmSync(stick, { recursive: true, force: true });
    cleanup();
  }
});
