import assert from "node:assert/strict";
import { test } from "node:test";
import { PASSPHRASE, initStore, launch, tempDataDir, textOf } from "./harness.mjs";

test("a locked store refuses a wrong passphrase and opens with the right one", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const { browser, stop } = await launch(dir);
  try {
    await textOf(browser, "#status", (t) => t === "Locked — enter the passphrase");
    const input = await browser.$("#passphrase");
    await input.setValue("not the passphrase");
    await (await browser.$("#unlock")).click();
    const error = await textOf(browser, "#error", (t) => t.length > 0);
    assert.equal(error, "the passphrase is wrong");
    assert.equal(await (await browser.$("#status")).getText(), "Locked — enter the passphrase");

    await input.setValue(PASSPHRASE);
    await (await browser.$("#unlock")).click();
    await textOf(browser, "#status", (t) => t === "Unlocked — E2E Centre (via passphrase)");
    assert.equal(await (await browser.$("#error")).isDisplayed(), false);
    assert.equal(await (await browser.$("#unlock-form")).isDisplayed(), false);
  } finally {
    await stop();
    cleanup();
  }
});

test("an empty data folder says there is no store", async () => {
  const { dir, cleanup } = tempDataDir();
  const { browser, stop } = await launch(dir);
  try {
    const status = await textOf(browser, "#status", (t) => t.startsWith("No store in"));
    assert.ok(status.includes(dir), status);
    assert.ok(status.endsWith("run centrebook init"), status);
  } finally {
    await stop();
    cleanup();
  }
});
