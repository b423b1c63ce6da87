// Retention in the real app: an admin is reminded at sign-in that records are past their retention,
// reviews the preview by category with the names, places a legal hold on one person from it (kept
// and listed as held), confirms the run, and sees what was removed; the command line agrees.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

test("an admin previews retention, holds one person and runs it; the held person is kept", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const course = path.join(dir, "..", "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training", category: "Counterbalance lift truck",
    length_days: 5, duration_hours: 35, components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  cli(dir, ["--user", "admin", "course", "add", course]);
  // A course in 2015: over seven years ago, so its training records are due; one in 2030 is not.
  const old = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/03/2015", "--end", "06/03/2015", "--venue", "Yard 2"]).id;
  const later = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "03/06/2030", "--end", "07/06/2030", "--venue", "Yard 2"]).id;
  const person = (forename, surname) => addCandidate(dir, { forename, surname }, { force: true }).candidate.id;
  const ann = person("Ann", "Archer");
  const bob = person("Bob", "Baker");
  const cat = person("Cat", "Cole");
  json(dir, ["run", "enrol", old, ann, bob]);
  json(dir, ["run", "enrol", later, cat]);

  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    // Reminded at sign-in; nothing has run by itself.
    const reminder = await textOf(b, "#retention-reminder", (t) => t.length > 0);
    assert.match(reminder, /^2 records are past their retention period/);
    await picture(b, "retention-reminder");
    await click(b, "#retention-review");

    const due = (cat) => textOf(b, `#retention-preview tr[data-category="${cat}"] td.due`, (t) => t.length > 0);
    assert.equal(await due("training_record"), "2");
    assert.equal(await due("identity"), "0");
    const row = await b.$('#retention-preview tr[data-category="training_record"] + tr.names summary');
    await row.click();
    const names = await textOf(b, "#retention-preview tr.names ul.people", (t) => t.includes("Ann Archer"));
    assert.ok(names.includes("Bob Baker") && !names.includes("Cat Cole"), names);
    await picture(b, "retention-preview");

    // A legal hold on Bob, placed from his name: he is then held, not due.
    const holdButtons = await b.$$("#retention-preview tr.names button.hold");
    let placed = false;
    for (const btn of holdButtons) {
      const li = await btn.parentElement();
      if ((await li.getText()).includes("Bob Baker")) {
        await btn.click();
        placed = true;
        break;
      }
    }
    assert.ok(placed, "a Hold button beside Bob's name");
    await fill(b, "#hold-reason", "accident investigation, HSE ref 42");
    await fill(b, "#hold-review", "01/06/2031");
    await picture(b, "retention-hold");
    await click(b, "#hold-place");
    await textOf(b, "#retention-preview tr[data-category=\"training_record\"] td.due", (t) => t === "1");
    assert.equal(await textOf(b, '#retention-preview tr[data-category="training_record"] td.held', (t) => t.length > 0), "1");
    const held = await textOf(b, "#retention-held", (t) => t.includes("Bob Baker"));
    assert.match(held, /legal hold: accident investigation, HSE ref 42 \(review 01\/06\/2031\)/);
    await textOf(b, "#legal-holds", (t) => t.includes("Bob Baker") && t.includes("01/06/2031"));

    // The run: confirmed first, then done, and said what it did.
    await click(b, "#retention-run");
    const confirm = await textOf(b, "#retention-confirm-list", (t) => t.length > 0);
    assert.match(confirm, /Training records without a certificate: 1 deleted/);
    await picture(b, "retention-confirm");
    await click(b, "#retention-confirm");
    const result = await textOf(b, "#retention-result", (t) => t.length > 0, 30000);
    assert.match(result, /^1 record removed in 1 step\./);
    assert.equal(await due("training_record"), "0");
    assert.equal(await (await b.$("#retention-run")).getText(), "Nothing is due");
    await picture(b, "retention-after");

    // Leaving the screen, the reminder is gone: nothing else is due.
    await go(b, "candidates");
    await shown(b, "#candidate-search");
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(await (await b.$("#retention-reminder")).isExisting(), false);
  } finally {
    await stop();
    try {
      // The command line agrees: Ann's old record is gone, Bob's is held, Cat's booking stays.
      const left = json(dir, ["run", "show", old]).enrolments.map((e) => e.candidate_id);
      assert.deepEqual(left, [bob]);
      assert.equal(json(dir, ["run", "show", later]).enrolments.length, 1);
      const audit = json(dir, ["audit", "list", "--entity", "retention"]);
      assert.ok(audit.some((e) => e.action === "retention.run"), "the run is audited");
    } finally {
      cleanup();
    }
  }
});
