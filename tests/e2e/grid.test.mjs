// The results grid typed as a trainer types a paper sheet: a column at a time. The minors of a
// practical are already in (recorded through the command line); the majors are then typed down their
// column with Enter, and again with ↓. Each keeps to the Major box, so no minor is overwritten, in the
// window or in the store. A major left blank is not entered yet (never 0): the outcome stays
// "incomplete" in the window, in the store (read back through the command line) and after the grid is
// opened again.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addTrainer, addCandidate, cli, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** A run of a theory paper and a practical, three candidates with theory passed and minors typed. */
function centre(dir) {
  initStore(dir, "Riverside Plant Training");
  const course = path.join(path.dirname(dir), "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training",
    category: "Counterbalance lift truck", length_days: 5, duration_hours: 35,
    components: [
      { name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } },
      { name: "Practical", rule: { kind: "faults", max_minor_faults: 5, max_major_faults: 0 } },
    ],
  }));
  json(dir, ["course", "add", course]);
  addTrainer(dir, { name: "Tess Evans" });
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--end", "06/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  const people = [];
  // The grid lists candidates by surname: Ahmed, Bell, Cole.
  for (const [forename, surname, minors] of [["Asha", "Ahmed", "2"], ["Bob", "Bell", "1"], ["Cara", "Cole", "3"]]) {
    const id = addCandidate(dir, { forename, surname }).candidate.id;
    json(dir, ["run", "enrol", run, id]);
    json(dir, ["result", "record", run, id, "--component", "Theory", "--mark", "35"]);
    // Only the minor half: the major is not counted yet.
    json(dir, ["result", "record", run, id, "--component", "Practical", "--faults", `${minors},`]);
    people.push(id);
  }
  return { run, people };
}

const box = (row, sub) => `input[data-row="${row}"][data-col="1"][data-sub="${sub}"]`;

/** What the window shows for each candidate: [minor, major, outcome]. */
const rowsShown = (b) =>
  b.execute(() => [...document.querySelectorAll("table.grid tbody tr")].map((tr) => [
    tr.querySelector('input[data-col="1"][data-sub="0"]').value,
    tr.querySelector('input[data-col="1"][data-sub="1"]').value,
    tr.querySelector("[data-outcome]").dataset.outcome,
  ]));

/** What the store holds for each candidate: [minor, major, computed outcome]. */
const rowsStored = (dir, run, people) =>
  people.map((id) => {
    const r = json(dir, ["result", "show", run, id]);
    const s = r.components[1].score;
    return [s?.minor ?? null, s?.major ?? null, r.enrolment.outcome.computed];
  });

/** Goes into a box as the keyboard does: focused, its value selected. */
const enterBox = (b, selector) =>
  b.execute((sel) => {
    const el = document.querySelector(sel);
    el.focus();
    el.select();
  }, selector);

async function openGrid(b, run) {
  await go(b, `runs/${run}/results`);
  await shown(b, box(2, 1));
  await textOf(b, "#save-state", (t) => t === "All results saved");
}

test("typing a column of majors with Enter, then with ↓, leaves every minor as it was", async () => {
  const { dir, cleanup } = tempDataDir();
  const { run, people } = centre(dir);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await openGrid(b, run);
    await textOf(b, "#grid-hint", (t) => t.includes("down the same column"));
    assert.deepEqual(await rowsShown(b), [["2", "", "incomplete"], ["1", "", "incomplete"], ["3", "", "incomplete"]],
      "minors in, majors blank: every outcome waits");

    // Down the Major column with Enter, as on the paper sheet.
    await click(b, box(0, 1));
    await b.keys(["0", "Enter"]);
    assert.equal(await b.execute(() => document.activeElement.getAttribute("aria-label")),
      "Practical for Bob Bell: major faults", "Enter went down to the next candidate's Major box");
    await b.keys(["0", "Enter", "1", "Enter"]);
    await textOf(b, "#save-state", (t) => t === "All results saved");
    assert.deepEqual(await rowsShown(b), [["2", "0", "pass"], ["1", "0", "pass"], ["3", "1", "retest"]]);
    assert.deepEqual(rowsStored(dir, run, people), [[2, 0, "pass"], [1, 0, "pass"], [3, 1, "retest"]],
      "the store has the majors and every minor as it was");

    // Up again and down with ↓: each box entered by the keyboard has its value selected, so typing
    // replaces the major it holds, and nothing else.
    await fill(b, box(0, 1), "1");
    await b.keys(["ArrowDown"]);
    assert.equal(await b.execute(() => document.activeElement.getAttribute("aria-label")), "Practical for Bob Bell: major faults");
    await b.keys(["1", "ArrowDown", "0", "ArrowUp"]);
    await textOf(b, "#save-state", (t) => t === "All results saved");
    assert.deepEqual(await rowsShown(b), [["2", "1", "retest"], ["1", "1", "retest"], ["3", "0", "pass"]]);
    assert.deepEqual(rowsStored(dir, run, people), [[2, 1, "retest"], [1, 1, "retest"], [3, 0, "pass"]]);
  } finally {
    await stop();
    cleanup();
  }
});

test("a blank major keeps the outcome incomplete in the window and in the store", async () => {
  const { dir, cleanup } = tempDataDir();
  const { run, people } = centre(dir);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await openGrid(b, run);

    // Asha's major typed, then rubbed out again: back to waiting, not a pass on an invented 0.
    await fill(b, box(0, 1), "0");
    await textOf(b, 'tbody tr:first-child [data-outcome]', (t) => t === "Pass");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await b.keys(["Backspace"]);
    await textOf(b, 'tbody tr:first-child [data-outcome]', (t) => t === "Incomplete");
    // Bob's minor rubbed out and only his major typed: the minor is now the blank half.
    await fill(b, box(1, 1), "0");
    await enterBox(b, box(1, 0));
    await b.keys(["Backspace"]);
    await enterBox(b, box(2, 0)); // leaving the box saves it at once
    await textOf(b, "#save-state", (t) => t === "All results saved");
    assert.deepEqual(await rowsShown(b), [["2", "", "incomplete"], ["", "0", "incomplete"], ["3", "", "incomplete"]]);

    // The store agrees: the typed half kept, the blank half blank (not 0), the computed outcome waiting.
    assert.deepEqual(rowsStored(dir, run, people), [[2, null, "incomplete"], [null, 0, "incomplete"], [3, null, "incomplete"]]);
    const shownByCli = cli(dir, ["--user", "admin", "result", "show", run, people[1]]);
    assert.match(shownByCli, /— minor and 0 major faults/);
    assert.match(shownByCli, /outcome: incomplete/i);

    // A count that cannot be right is shown in its cell, and the columns hold still around it.
    const widths = () => b.execute(() => [...document.querySelectorAll("table.grid thead th")].map((th) => th.getBoundingClientRect().width));
    const before = await widths();
    await fill(b, box(2, 1), "100");
    await textOf(b, "td.cell .cell-msg", (t) => t === "Enter a fault count from 0 to 99");
    if (process.env.SHOTS_DIR) await b.saveScreenshot(path.join(process.env.SHOTS_DIR, "grid-cell-error.png"));
    assert.deepEqual(await widths(), before, "no column moved for the message");
    await enterBox(b, box(2, 1));
    await b.keys(["Backspace"]);
    await textOf(b, "#save-state", (t) => t === "All results saved");

    // Opened again from the store: the same blanks, the same outcome.
    await go(b, `runs/${run}`);
    await shown(b, "#enter-results");
    await openGrid(b, run);
    assert.deepEqual(await rowsShown(b), [["2", "", "incomplete"], ["", "0", "incomplete"], ["3", "", "incomplete"]]);
  } finally {
    await stop();
    cleanup();
  }
});
