// Rolled-back copies (issue 12, finding 3): a store set up with the command, then rolled back by
// copying an older database file over the live one, as someone with the folder could. The window says
// so plainly on sign-in, refuses saving, and an admin accepts the copy with a reason; afterwards
// `audit verify` passes again and the accept is in the audit log.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

test("an older database put back is shown on sign-in, refused saving, and accepted by an admin", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const db = path.join(dir, "centrebook.db");
  const addUser = (name) =>
    cli(dir, ["--user", "admin", "user", "add", name, "--role", "office"], { CENTREBOOK_NEW_PASSWORD: "an office password 1" });
  addUser("olly");
  const yesterday = readFileSync(db);
  addUser("tess");
  // The rollback: yesterday's database over today's (no process has the store open).
  for (const side of ["-wal", "-shm"]) if (existsSync(db + side)) rmSync(db + side);
  writeFileSync(db, yesterday);
  const verify = () => {
    try {
      return { code: 0, out: cli(dir, ["--user", "admin", "audit", "verify"]) };
    } catch (e) {
      return { code: 1, out: String(e) };
    }
  };
  assert.equal(verify().code, 1, "audit verify fails on the rolled-back copy");
  try {
    const { browser: b, stop } = await launch(dir);
    try {
      await unlockAndSignIn(b);
      const said = await textOf(b, "#rollback-banner", (t) => t.includes("older copy of the store"));
      assert.match(said, /its audit log ends at entry \d+ .* recorded entry \d+/, said);
      await picture(b, "rollback-banner", "#rollback-banner");
      // Saving is refused by the core, and the window says why.
      await click(b, "#nav-users");
      await textOf(b, "#users", (t) => t.includes("olly") && !t.includes("tess"));
      await click(b, "#new-user");
      await fill(b, "#u-username", "zara");
      await fill(b, "#u-name", "Zara Office");
      await click(b, "#u-role-office");
      await fill(b, "#u-password", "an office password 2");
      await click(b, "#save-user");
      await textOf(b, "#error", (t) => t.includes("nothing can be saved until an admin accepts this copy"));
      await picture(b, "rollback-refused", "#error");
      await click(b, "#accept-copy");
      await fill(b, "#accept-reason", "The office PC's disk was replaced; this copy is the latest we have.");
      await picture(b, "rollback-accept", "#rollback-banner");
      await click(b, "#accept-copy-confirm");
      await b.$("#rollback-banner").waitForExist({ reverse: true, timeout: 10000 });
      await picture(b, "rollback-accepted");
    } finally {
      await stop();
    }
    assert.match(cli(dir, ["--user", "admin", "audit", "verify"]), /intact/);
    const last = JSON.parse(cli(dir, ["--json", "--user", "admin", "audit", "list", "--entity", "store", "--limit", "1"]));
    assert.equal(last[0].action, "store.accept_copy");
    addUser("zed");
  } finally {
    cleanup();
  }
});
