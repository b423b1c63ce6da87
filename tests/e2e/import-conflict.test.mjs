// A match on one value that another contradicts, in the real app: the import holds such rows as
// rejected, each with both reasons and their columns (the same NI number but a different name and date
// of birth; the same surname, date of birth and postcode but a different NI number), while the true
// duplicate is still matched; registering by hand shows the same person as a conflict, not "the same
// person". Debug builds take the import file from CENTREBOOK_TEST_IMPORT_FILE (no native dialog).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const shot = async (b, name) => {
  if (!process.env.SHOTS_DIR) return;
  await new Promise((r) => setTimeout(r, 800)); // let the scroll paint
  await b.saveScreenshot(path.join(process.env.SHOTS_DIR, `${name}.png`));
};

const ROWS = [
  "First name,Last name,NI number,Date of birth,Postcode",
  "Mary,Smith,AB 12 34 56 C,01/01/1970,LS1 1AA",
  "Rhian,Llewelyn,JG 12 34 56 C,14/03/1988,CF10 1AA",
  "Siân,Llewelyn,AB123456C,14/03/1988,CF10 1AA",
  "Tom,Brierley,JL123456D,02/02/1990,LS2 2BB",
];

test("an import holds rows whose match another value contradicts, with both reasons; registering shows the conflict", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  addCandidate(dir, { forename: "Siân", surname: "Llewelyn", ni_number: "AB123456C", date_of_birth: "14/03/1988", postcode: "CF10 1AA" });
  const csv = path.join(path.dirname(dir), "conflicts.csv");
  writeFileSync(csv, ROWS.join("\n") + "\n");
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_IMPORT_FILE: csv });
  try {
    await unlockAndSignIn(b);
    await click(b, "#nav-import");
    await click(b, "#choose-import-file");
    await shown(b, "#fates");
    await textOf(b, '[data-count="rejected"]', (t) => t === "2");
    assert.equal(await (await b.$('[data-count="matched"]')).getText(), "1");
    assert.equal(await (await b.$('[data-count="imported"]')).getText(), "1");
    const rows = await b.execute(() =>
      [...document.querySelectorAll("#fates tbody tr[data-line]")].map((tr) => ({
        line: Number(tr.dataset.line),
        status: tr.dataset.status,
        columns: [...tr.querySelectorAll("td.column div")].map((d) => d.textContent.trim()),
        reasons: [...tr.querySelectorAll("td.reason div")].map((d) => d.textContent.trim()),
      })),
    );
    assert.deepEqual(rows.map((r) => [r.line, r.status]), [[2, "rejected"], [3, "rejected"]], "opens on the held rows");
    // Both reasons, each beside its column.
    assert.deepEqual(rows[0].columns, ["NI number", "First name + Last name + Date of birth"]);
    assert.equal(rows[0].reasons[0], "conflict: the same NI number as a candidate already registered");
    assert.match(rows[0].reasons[1], /^conflict: a different name and date of birth from a candidate already registered, so this may be someone else/);
    assert.deepEqual(rows[1].columns, ["Last name + Date of birth + Postcode", "NI number"]);
    assert.match(rows[1].reasons[0], /^conflict: the same surname, date of birth and postcode as a candidate already registered/);
    assert.match(rows[1].reasons[1], /^conflict: a different NI number from a candidate already registered/);
    for (const r of rows) assert.ok(!JSON.stringify(r).match(/Mary|1970|JG|AB 12/), `no values: ${JSON.stringify(r)}`);
    await b.execute(() => document.querySelector("#fates").scrollIntoView({ block: "center" }));
    await shot(b, "import-conflicts");

    // The true duplicate is still "already registered"; the import writes the one new person only.
    await click(b, "#show-all");
    await textOf(b, '#fates tr[data-line="4"]', (t) => /already registered \(the same NI number/.test(t));
    await click(b, "#import-good");
    await textOf(b, "#import-notice", (t) => /^Imported 1 row\b/.test(t), 20000);
    await go(b, "candidates");
    await textOf(b, "[role=status]", (t) => t === "2 candidates");

    // Registering Mary by hand: the record with her NI number is shown as a conflict, not as her.
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Mary");
    await fill(b, "#c-surname", "Smith");
    await fill(b, "#c-ni_number", "AB 12 34 56 C");
    await fill(b, "#c-date_of_birth", "01/01/1970");
    await click(b, "#register");
    await textOf(b, "#dup-h", (t) => t === "This conflicts with someone already registered");
    const offer = await textOf(b, "#duplicates", (t) => t.includes("Conflict:"));
    assert.match(offer, /Conflict: the same NI number, but a different name and date of birth/);
    assert.match(offer, /Llewelyn, Siân/);
    assert.equal(await (await b.$("#register-anyway")).isExisting(), false, "never two records with one NI number");
    await shot(b, "register-conflict");
  } finally {
    await stop();
    cleanup();
  }
});
