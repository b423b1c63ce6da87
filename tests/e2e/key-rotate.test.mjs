// Changing the passphrase in the window "because it may be known" (issue 12, finding 6): with "Also
// replace the data key" ticked, the store gets a new data key and the window shows a new recovery
// key once; afterwards the key file from before (as an older backup holds) with the old passphrase
// no longer opens the store, and the new passphrase and recovery key do.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { PASSPHRASE, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const NEW_PASSPHRASE = "e2e changed passphrase 2027";

test("an admin changes the passphrase and replaces the data key from the Backup page", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const keys = path.join(dir, "centrebook.keys");
  const oldKeys = readFileSync(keys);
  try {
    const { browser: b, stop } = await launch(dir);
    let shownKey;
    try {
      await unlockAndSignIn(b);
      await go(b, "backup");
      await shown(b, "#p-current");
      await picture(b, "passphrase-before", "#passphrase-h");
      await fill(b, "#p-current", PASSPHRASE);
      await fill(b, "#p-new", NEW_PASSPHRASE);
      await fill(b, "#p-repeat", NEW_PASSPHRASE);
      await click(b, "#p-replace-key");
      await textOf(b, "#change-passphrase", (t) => t === "Change passphrase and replace key");
      await click(b, "#change-passphrase");
      shownKey = await textOf(b, "#new-recovery-key", (t) => /^([A-Z2-7]{4}-){8}[A-Z2-7]{4}$/.test(t), 30000);
      await textOf(b, "#passphrase-notice", (t) => t.includes("no longer open this store"));
      await picture(b, "passphrase-key-replaced", "#passphrase-h");
      // The window goes on working under the new key.
      await go(b, "candidates");
      await shown(b, "#candidate-search");
    } finally {
      await stop();
    }
    {
      const env = { CENTREBOOK_PASSPHRASE: "" };
      cli(dir, ["unlock", "--check"], { ...env, CENTREBOOK_RECOVERY_KEY: shownKey });
      cli(dir, ["unlock", "--check"], { CENTREBOOK_PASSPHRASE: NEW_PASSPHRASE });
      const newKeys = readFileSync(keys);
      writeFileSync(keys, oldKeys);
      assert.throws(() => cli(dir, ["unlock", "--check"]), /failed/, "the old key file and passphrase are shut out");
      writeFileSync(keys, newKeys);
      assert.match(cli(dir, ["--user", "admin", "audit", "verify"], { CENTREBOOK_PASSPHRASE: NEW_PASSPHRASE }), /intact/);
    }
  } finally {
    cleanup();
  }
});
