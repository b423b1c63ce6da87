// Administration in the real app: the admin adds an office user, who signs in and is not offered the
// Users or Backup screens; the office user imports a CSV through the dry run (every row's fate, a
// column remapped, a rejected row's line and reason) to the import itself.
//
// The native file dialog is skipped here (dialogs.test.mjs drives the real one): debug builds take the import file from
// CENTREBOOK_TEST_IMPORT_FILE instead of asking (release builds never read it).
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { click, fill, go, initStore, launch, shown, signIn, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/candidates.csv");
const OFFICE_PASSWORD = "office password 1";

/** The fate table's rows as { line, status, text }. */
async function fates(b) {
  return b.execute(() =>
    [...document.querySelectorAll("#fates tbody tr[data-line]")].map((tr) => ({
      line: Number(tr.dataset.line),
      status: tr.dataset.status,
      text: tr.textContent.replace(/\s+/g, " ").trim(),
    })),
  );
}

const count = (b, filter) => textOf(b, `[data-count="${filter}"]`, (t) => t.length > 0);

test("an admin adds an office user, who imports candidates after a dry run but sees no admin screens", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_IMPORT_FILE: FIXTURE });
  try {
    await unlockAndSignIn(b);

    // The admin adds Olly, an office user; a too-short password is refused beside its field first.
    await click(b, "#nav-users");
    await textOf(b, "#users", (t) => t.includes("admin"));
    await click(b, "#new-user");
    await fill(b, "#u-username", "olly");
    await fill(b, "#u-name", "Olly Office");
    await click(b, "#u-role-office");
    await fill(b, "#u-password", "short");
    await click(b, "#save-user");
    await textOf(b, "#u-password-error, #error", (t) => /10 characters/.test(t));
    await fill(b, "#u-password", OFFICE_PASSWORD);
    await click(b, "#save-user");
    await textOf(b, "#users-notice", (t) => t.startsWith("Added olly"));
    const row = await textOf(b, '#users tr[data-user="olly"]', (t) => t.includes("Olly Office"));
    assert.match(row, /Office/);
    assert.match(row, /Active/);
    assert.ok(await (await b.$("#nav-backup")).isExisting(), "the admin has the Backup screen");

    // Olly signs in: no Users or Backup in his menu, and the route refuses to show them.
    await click(b, "#switch-user");
    await signIn(b, "olly", OFFICE_PASSWORD);
    assert.equal(await (await b.$("#nav-users")).isExisting(), false, "no Users menu for office staff");
    assert.equal(await (await b.$("#nav-backup")).isExisting(), false, "no Backup menu for office staff");
    await go(b, "users");
    await textOf(b, "#content", (t) => t.includes("Nothing here"));

    // He imports: choosing the file runs the dry run at once.
    await click(b, "#nav-import");
    await click(b, "#choose-import-file");
    await textOf(b, "#import-file-name", (t) => t === "candidates.csv");
    await shown(b, "#fates");
    assert.equal(await count(b, "imported"), "3");
    assert.equal(await count(b, "matched"), "1");
    assert.equal(await count(b, "rejected"), "2");
    // With rejections the table opens on them: line 3's date of birth is in the future.
    let rows = await fates(b);
    assert.deepEqual(rows.map((r) => [r.line, r.status]), [[3, "rejected"], [7, "rejected"]]);
    assert.match(rows[0].text, /Date of birth/);
    assert.match(rows[0].text, /date of birth: is in the future/);
    assert.ok(!rows[0].text.includes("2035"), "a reason never shows the value");
    assert.match(rows[1].text, /NI number: should be two letters, six digits/);
    assert.equal(await (await b.$("#import-good")).getText(), "Import 3 good rows");

    // Taking the date of birth column out of the import lets line 3 through on a second dry run.
    const dob = await shown(b, "#col-3");
    await dob.selectByAttribute("value", "");
    assert.equal(await (await b.$("#import-good")).isEnabled(), false, "import waits for the check");
    await click(b, "#rerun");
    await textOf(b, '[data-count="imported"]', (t) => t === "4");
    assert.equal(await count(b, "rejected"), "1");
    await click(b, "#show-all");
    rows = await fates(b);
    assert.deepEqual(rows.map((r) => [r.line, r.status]), [[2, "imported"], [3, "imported"], [4, "imported"], [5, "imported"], [6, "matched"], [7, "rejected"]]);
    assert.match(rows[4].text, /the same person as line 2 of this file/);
    assert.equal(await (await b.$("#import-good")).getText(), "Import 4 good rows");

    // The import itself.
    await click(b, "#import-good");
    const notice = await textOf(b, "#import-notice", (t) => t.startsWith("Imported"), 20000);
    assert.match(notice, /^Imported 4 rows\./);
    assert.match(notice, /1 row rejected/);
    rows = await fates(b);
    assert.equal(rows.find((r) => r.line === 2).status, "imported");
    assert.match(rows.find((r) => r.line === 2).text, /Open the record/);

    // The four are on the candidates list; the rejected NI number is nowhere.
    await go(b, "candidates");
    await textOf(b, "[role=status]", (t) => t === "4 candidates");
    await fill(b, "#candidate-search", "stone");
    await textOf(b, "[role=status]", (t) => t === "No candidates match");
  } finally {
    await stop();
    cleanup();
  }
});
