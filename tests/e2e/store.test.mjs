import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_PASSWORD, click, fill, initStore, launch, shown, signIn, tempDataDir, textOf } from "./harness.mjs";
import { PASSPHRASE } from "./harness.mjs";

test("a locked store refuses a wrong passphrase, opens with the right one, then asks who is signing in", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const { browser, stop } = await launch(dir);
  try {
    await textOf(browser, "#status", (t) => t === "Locked — enter the passphrase");
    await fill(browser, "#passphrase", "not the passphrase");
    await click(browser, "#unlock");
    assert.equal(await textOf(browser, "#error", (t) => t.length > 0), "The passphrase is wrong");

    await fill(browser, "#passphrase", PASSPHRASE);
    await click(browser, "#unlock");
    await shown(browser, "#sign-in");
    await fill(browser, "#username", "admin");
    await fill(browser, "#password", "wrong password!");
    await click(browser, "#sign-in-button");
    assert.equal(await textOf(browser, "#error", (t) => t.length > 0), "Wrong user name or password");

    await signIn(browser, "admin", ADMIN_PASSWORD);
    assert.equal(await (await browser.$("#unlock-form")).isExisting(), false);
  } finally {
    await stop();
    cleanup();
  }
});

test("a second window on the same data folder is refused while the first is open", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const { browser, stop } = await launch(dir);
  try {
    await textOf(browser, "#status", (t) => t.startsWith("Locked"));
    const { spawnSync } = await import("node:child_process");
    const { APP } = await import("./harness.mjs");
    // The second process says so and shows a message box instead of a window; nobody clicks it
    // under Xvfb, so it is stopped after a moment.
    const r = spawnSync(APP, [], {
      env: { ...process.env, CENTREBOOK_DATA_DIR: dir, CENTREBOOK_KEYCHAIN: "off" },
      timeout: 4000,
      encoding: "utf8",
    });
    assert.match(r.stderr, /Centrebook is already open for this data folder/);
  } finally {
    await stop();
    cleanup();
  }
});
