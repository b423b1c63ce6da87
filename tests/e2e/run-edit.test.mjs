// Correcting a run in the window: it is moved to another week through Edit (the scheduling form,
// pre-filled), a candidate is moved to another run of the course, another withdrawn, and the run is
// cancelled with a reason. Each is then read back through the command line: the store has what the window showed, the
// cancelled run keeps its candidate, marked cancelled. The course is then edited on the Courses
// screen (in use, so it becomes version 2), and an assessment date is corrected in the results grid.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));
const shot = (b, name) => (process.env.SHOTS_DIR ? b.saveScreenshot(path.join(process.env.SHOTS_DIR, `${name}.png`)) : null);

function centre(dir) {
  initStore(dir, "Riverside Plant Training");
  const course = path.join(path.dirname(dir), "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training",
    category: "Counterbalance lift truck", length_days: 5, duration_hours: 35,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  addTrainer(dir, { name: "Tess Evans" });
  const add = (start, end) =>
    json(dir, ["run", "add", "--course", "FLT-CB", "--start", start, "--end", end, "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  const run = add("02/11/2026", "06/11/2026");
  const later = add("16/11/2026", "20/11/2026");
  const people = {};
  for (const [forename, surname] of [["Ann", "Able"], ["Bob", "Baker"], ["Cara", "Cole"]]) {
    people[forename] = addCandidate(dir, { forename, surname }).candidate.id;
    json(dir, ["run", "enrol", run, people[forename]]);
  }
  return { run, later, people };
}

test("a run moved to another week, a candidate moved, another withdrawn, then the run cancelled, as the store has it", async () => {
  const { dir, cleanup } = tempDataDir();
  const { run, later, people } = centre(dir);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, `runs/${run}`);
    await textOf(b, "#enrolments", (t) => t.includes("Baker, Bob"));
    await shot(b, "run-page-before");

    // Edit: the scheduling form, pre-filled with the run as it is.
    await click(b, "#edit-run");
    await b.waitUntil(async () => (await b.$("#r-starts").getValue()) === "02/11/2026", { timeoutMsg: "the form was not pre-filled" });
    assert.equal(await b.$("#r-venue").getValue(), "Yard 2");
    assert.match(await b.$("#r-course-fixed").getText(), /FLT-CB/);
    await fill(b, "#r-starts", "09/11/2026");
    await fill(b, "#r-ends", "13/11/2026");
    await shot(b, "run-edit-form");
    await click(b, "#save-run");
    await textOf(b, "dl.facts", (t) => t.includes("09/11/2026 – 13/11/2026"));
    const edited = json(dir, ["run", "show", run]);
    assert.deepEqual([edited.starts_on, edited.ends_on, edited.venue], ["2026-11-09", "2026-11-13", "Yard 2"]);

    // A wrong date comes back beside its field, and nothing is saved.
    await click(b, "#edit-run");
    await b.waitUntil(async () => (await b.$("#r-starts").getValue()) === "09/11/2026");
    await fill(b, "#r-ends", "01/11/2026");
    await click(b, "#save-run");
    await textOf(b, "form", (t) => t.includes("Is before the start date"));
    await click(b, "button=Back without saving");
    assert.equal(json(dir, ["run", "show", run]).ends_on, "2026-11-13");

    // Bob moves to the later run.
    await click(b, 'button[aria-label="Move Bob Baker to another run"]');
    await (await shown(b, "#move-to")).selectByAttribute("value", later);
    await click(b, "#confirm-move");
    await textOf(b, "#notice", (t) => t.includes("Bob Baker moved"));
    assert.equal(json(dir, ["run", "show", later]).enrolments[0].candidate_id, people.Bob);

    // Cara is withdrawn, after a confirmation: she stays listed, withdrawn.
    await click(b, 'button[aria-label="Withdraw Cara Cole"]');
    await click(b, "#confirm-withdraw");
    await textOf(b, "#notice", (t) => t.includes("Cara Cole withdrawn"));
    const cara = json(dir, ["run", "show", run]).enrolments.find((e) => e.candidate_id === people.Cara);
    assert.equal(cara.status, "withdrawn");

    // Cancelled with a reason: Ann and Cara stay on the run, marked cancelled.
    await click(b, "#cancel-run");
    await fill(b, "#cancel-reason", "Trainer ill");
    await shot(b, "run-cancel-dialog");
    await click(b, "#confirm-cancel");
    await textOf(b, "#run-cancelled", (t) => t.includes("Trainer ill"));
    assert.equal(await b.$("#edit-run").isExisting(), false, "a cancelled run is not edited");
    await textOf(b, "#enrolments", (t) => t.includes("run cancelled"));
    await shot(b, "run-page-cancelled");
    const cancelled = json(dir, ["run", "show", run]);
    assert.equal(cancelled.cancel_reason, "Trainer ill");
    assert.deepEqual(cancelled.enrolments.map((e) => [e.candidate_id, e.cancelled]), [[people.Ann, true], [people.Cara, true]]);
    assert.match(cli(dir, ["--user", "admin", "run", "list"]), /CANCELLED \(Trainer ill\)/);
    await go(b, "runs");
    await textOf(b, "table", (t) => t.includes("Cancelled"));
    await shot(b, "runs-list-cancelled");
  } finally {
    await stop();
    cleanup();
  }
});

test("a course in use edited on the Courses screen becomes version 2; an assessment date corrected in the grid", async () => {
  const { dir, cleanup } = tempDataDir();
  const { later, people } = centre(dir);
  json(dir, ["run", "enrol", later, people.Ann]);
  json(dir, ["result", "record", later, people.Ann, "--component", "Theory", "--mark", "35"]);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, "courses");
    await click(b, 'button[aria-label="Edit FLT-CB"]');
    await shown(b, "#version-note");
    await click(b, "#co-req-ni_number");
    await click(b, "#add-grade");
    await fill(b, 'input[aria-label="Grade 1 name"]', "Pass");
    await click(b, "#add-grade");
    await fill(b, 'input[aria-label="Grade 2 name"]', "Distinction");
    await fill(b, 'input[aria-label="Grade 2 from percent"]', "90");
    await shot(b, "course-edit-form");
    await click(b, "#save-course");
    await textOf(b, "#courses-notice", (t) => t.includes("version 2"));
    await shot(b, "courses-after-edit");
    const course = json(dir, ["course", "show", "FLT-CB"])[0];
    assert.equal(course.version, 2);
    assert.equal(course.requires.ni_number, true);
    assert.deepEqual(course.grades.map((g) => g.grade), ["Pass", "Distinction"]);
    assert.equal(json(dir, ["run", "show", later]).course_version, 1, "the run keeps the version it ran under");

    // The assessment date, beside the comments: 16/11 becomes 17/11.
    await go(b, `runs/${later}/results`);
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await click(b, "button.open-notes");
    await b.waitUntil(async () => (await b.$("#assessed-0").getValue()) === "20/11/2026", { timeoutMsg: "the date was not shown" });
    await fill(b, "#assessed-0", "17/11/2026");
    await fill(b, "#note-0", "Steady throughout");
    await shot(b, "grid-comments-date");
    await click(b, "#notes-done");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await textOf(b, ".other-date", (t) => t.includes("17/11/2026"));
    const r = json(dir, ["result", "show", later, people.Ann]);
    assert.deepEqual([r.components[0].assessed_on, r.components[0].comments], ["2026-11-17", "Steady throughout"]);
  } finally {
    await stop();
    cleanup();
  }
});
