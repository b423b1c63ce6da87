// The day's paperwork and the refreshers due, in the real app. A centre set up through the command
// line has a run next week with people from two employers, and an older run whose certificates
// expire in ten days. The admin sets the times and what to bring in Settings. From the run page the office saves the practical test sheets (a page per
// candidate, the course's components to mark) and each employer's joining instructions (only its
// own people); on "Refreshers due" it sees those people grouped by employer and saves each
// employer's reminder letter and draft email into a folder. Each file is checked, and found back
// in the disclosure log through `centrebook disclosure affected`.
//
// Native dialogs are skipped (dialogs.test.mjs drives the real ones): debug builds save into
// CENTREBOOK_TEST_SAVE_DIR under the suggested name and take the folder from CENTREBOOK_TEST_FOLDER.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** A day `days` from today (and `years` back), as the command line reads it: dd/mm/yyyy. */
function ukDay(days, years = 0) {
  const d = new Date();
  d.setHours(12, 0, 0, 0);
  d.setFullYear(d.getFullYear() - years);
  d.setDate(d.getDate() + days);
  return `${String(d.getDate()).padStart(2, "0")}/${String(d.getMonth() + 1).padStart(2, "0")}/${d.getFullYear()}`;
}

function pdf(file) {
  const info = spawnSync("pdfinfo", [file], { encoding: "utf8" });
  assert.equal(info.status, 0, info.stderr);
  const text = spawnSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" }).stdout;
  return { pages: Number(/Pages:\s+(\d+)/.exec(info.stdout)[1]), text };
}

function centre(dir, work) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  const course = path.join(work, "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: "RTITB", course_type: "training",
    category: "Counterbalance lift truck", length_days: 5, duration_hours: 35, validity_months: 36,
    components: [
      { name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } },
      { name: "Practical", rule: { kind: "faults", max_minor_faults: 5, max_major_faults: 0 } },
    ],
  }));
  json(dir, ["course", "add", course]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  json(dir, ["employer", "add", "--name", "Bobcat Plant Hire", "--email", "training@bobcat.example"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const person = (forename, surname, employer, number) =>
    addCandidate(dir, { forename, surname, employer, employee_number: number, date_of_birth: "14/03/1988" }).candidate.id;
  // Next week's run: two from Acme, one from Bobcat.
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", ukDay(7), "--end", ukDay(11), "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  for (const [f, s, e, n] of [["Siân", "Llewelyn", "Acme Haulage", "E1042"], ["Bob", "Ray", "Acme Haulage", "E1043"], ["Bea", "Hughes", "Bobcat Plant Hire", "B7"]]) {
    json(dir, ["run", "enrol", run, person(f, s, e, n)]);
  }
  // Passed three years ago less ten days: their certificates (36 months) expire in ten days.
  const old = json(dir, ["run", "add", "--course", "FLT-CB", "--start", ukDay(10, 3), "--end", ukDay(10, 3), "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  for (const [f, s, e, n] of [["Dai", "Evans", "Acme Haulage", "E1050"], ["Gwen", "Price", "Bobcat Plant Hire", "B9"]]) {
    const id = person(f, s, e, n);
    json(dir, ["run", "enrol", old, id]);
    json(dir, ["result", "record", old, id, "--component", "Theory", "--mark", "36"]);
    json(dir, ["result", "record", old, id, "--component", "Practical", "--faults", "1,0"]);
  }
  json(dir, ["certificate", "issue", "--run", old, "--date", ukDay(11, 3)]);
  return { run };
}

test("test sheets and joining instructions print from the run page; refreshers are listed with letters saved", async () => {
  const { dir, cleanup } = tempDataDir();
  const work = path.dirname(dir);
  const saves = path.join(work, "saved");
  const letters = path.join(work, "letters");
  mkdirSync(saves);
  mkdirSync(letters);
  const { run } = centre(dir, work);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: saves, CENTREBOOK_TEST_FOLDER: letters });
  try {
    await unlockAndSignIn(b);
    // What joining instructions print: set by the admin in Settings.
    await go(b, "settings");
    await fill(b, "#pw-times", "8:30 to 16:30 each day");
    await fill(b, "#pw-bring", "Steel toe-capped boots\nPacked lunch");
    await click(b, "#save-paperwork");
    await shown(b, "#paperwork-saved");
    await go(b, `runs/${run}`);
    await shown(b, "#run-papers");

    // The test sheets: one PDF, a page per candidate, each with the course's components.
    await click(b, "#save-test-sheets");
    const sheetsSaved = await textOf(b, "#run-papers-notice", (t) => t.startsWith("Saved"), 30000);
    assert.match(sheetsSaved, /^Saved Test sheets FLT-CB \d{4}-\d{2}-\d{2}\.pdf: practical test sheets for 3 people\.$/);
    const sheetsFile = readdirSync(saves).find((f) => f.startsWith("Test sheets"));
    const sheets = pdf(path.join(saves, sheetsFile));
    assert.equal(sheets.pages, 3);
    for (const want of ["Practical test sheet", "Siân Llewelyn", "Bob Ray", "Bea Hughes", "1. Theory", "2. Practical", "Minor faults:", "Assessor signature:"]) {
      assert.ok(sheets.text.includes(want), `${want} missing from the test sheets`);
    }
    assert.ok(!sheets.text.includes("1988"), "no date of birth on a test sheet");

    // Joining instructions: one button per employer, each file naming only that employer's people.
    const buttons = await b.execute(() => [...document.querySelectorAll("#run-papers button.joining")].map((x) => x.textContent.trim()));
    assert.deepEqual(buttons, ["Joining instructions for Acme Haulage (2)…", "Joining instructions for Bobcat Plant Hire (1)…"]);
    await click(b, '#run-papers button.joining[data-employer="Acme Haulage"]');
    const joiningSaved = await textOf(b, "#run-papers-notice", (t) => t.includes("joining instructions"), 30000);
    assert.match(joiningSaved, /joining instructions to Acme Haulage for 2 people\.$/);
    const joiningFile = readdirSync(saves).find((f) => f.startsWith("Joining instructions"));
    const joining = pdf(path.join(saves, joiningFile));
    for (const want of ["Joining instructions", "Acme Haulage", "Yard 2", "8:30 to 16:30 each day", "What to bring", "Steel toe-capped boots", "Packed lunch", "Siân Llewelyn", "Bob Ray", "Tess Evans"]) {
      assert.ok(joining.text.includes(want), `${want} missing from the joining instructions`);
    }
    assert.ok(!joining.text.includes("Bea Hughes") && !joining.text.includes("Bobcat"), "another employer's people");
    for (const [file, output, people] of [[sheetsFile, "test_sheets", 3], [joiningFile, "joining_instructions", 2]]) {
      const logged = json(dir, ["disclosure", "affected", path.join(saves, file)]);
      assert.equal(logged.disclosure.output, output);
      assert.equal(logged.people.length, people);
    }
    await picture(b, "run-page-paperwork", "#run-papers");

    // Refreshers due: grouped by employer, then the letters and draft emails saved into a folder.
    await click(b, "#nav-refreshers");
    await textOf(b, "#refreshers-summary", (t) => t.startsWith("2 certificates expiring"), 15000);
    const groups = await b.execute(() => [...document.querySelectorAll(".refresher-group")].map((g) => ({
      employer: g.dataset.employer, rows: [...g.querySelectorAll("tbody tr")].map((tr) => [...tr.cells].map((td) => td.textContent.trim()).join(" | ")),
    })));
    assert.deepEqual(groups.map((g) => g.employer), ["Acme Haulage", "Bobcat Plant Hire"]);
    assert.match(groups[0].rows[0], /^Dai Evans \| E1050 \| Counterbalance lift truck, novice \| \S+ \| \d{2}\/\d{2}\/\d{4} \| 10$/);
    assert.match(groups[1].rows[0], /^Gwen Price \| B9 \| /);
    await click(b, "#refreshers-letters");
    const saved = await textOf(b, "#refreshers-saved", (t) => t.startsWith("Saved"), 30000);
    assert.match(saved, /Saved a letter and a draft email for 2 employers/);
    const files = readdirSync(letters).sort();
    assert.equal(files.length, 4, files.join(", "));
    const eml = readFileSync(path.join(letters, files.find((f) => f.startsWith("Refresher reminder Bobcat") && f.endsWith(".eml"))), "utf8");
    assert.match(eml, /^To: training@bobcat\.example\r$/m);
    assert.match(eml, /^Subject: Refresher training due: 1 employee at Bobcat Plant Hire\r$/m);
    assert.match(eml, /Content-Type: application\/pdf/);
    const letter = pdf(path.join(letters, files.find((f) => f.startsWith("Refresher reminder Acme") && f.endsWith(".pdf"))));
    assert.ok(letter.text.includes("Dai Evans") && !letter.text.includes("Gwen"), letter.text);
    const logged = json(dir, ["disclosure", "affected", path.join(letters, files.find((f) => f.endsWith(".eml")))]);
    assert.equal(logged.disclosure.output, "reminder_email");
    await picture(b, "refreshers-due");
  } finally {
    await stop();
    cleanup();
  }
});
