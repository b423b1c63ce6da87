// The diary in the window: the month view shows each run with its course, trainer, venue and places
// taken of places available (a full run marked), the week view the same days in detail; enrolling
// beyond a run's places is refused with the reason shown, and a lowered places field beside it; a
// trainer or venue booked twice is warned of before saving, and saved only on "Save anyway". Each
// is read back through the command line.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** The text of a diary entry (its spans cut to fit by CSS, read whole), once `predicate` holds. */
async function entry(b, selector, predicate) {
  let last = "";
  await b.waitUntil(async () => {
    last = await b.execute((sel) => document.querySelector(sel)?.textContent?.replace(/\s+/g, " ").trim() ?? "", selector);
    return predicate(last);
  }, { timeoutMsg: `${selector} never matched; last text: ${JSON.stringify(last)}` });
  return last;
}

function centre(dir) {
  initStore(dir, "Riverside Plant Training");
  const course = path.join(path.dirname(dir), "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training",
    category: "Counterbalance lift truck", length_days: 3, duration_hours: 21, candidates_per_trainer: 3,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  addTrainer(dir, { name: "Tess Evans" });
  addTrainer(dir, { name: "Bob Price" });
  const full = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "07/12/2026", "--end", "09/12/2026",
    "--venue", "Yard 2", "--trainer", "Tess Evans", "--places", "2"]).id;
  const open = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "15/12/2026", "--venue", "Bay 4",
    "--trainer", "Bob Price", "--places", "8"]).id;
  const people = {};
  for (const [forename, surname] of [["Ann", "Able"], ["Huw", "Baker"], ["Cara", "Cole"]]) {
    people[forename] = addCandidate(dir, { forename, surname }).candidate.id;
  }
  json(dir, ["run", "enrol", full, people.Ann, people.Huw]);
  return { full, open, people };
}

test("the month and week views show runs with places; over capacity refused with the reason; a double booking warns before saving", async () => {
  const { dir, cleanup } = tempDataDir();
  const { full, open } = centre(dir);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);

    // The month: reached from the navigation, then moved to December 2026.
    await click(b, "#nav-diary");
    await shown(b, "#diary");
    await go(b, "diary/month/2026-12-10");
    await textOf(b, "#diary-title", (t) => t.includes("December 2026"));
    const fullEntry = `#diary td[data-day="2026-12-08"] a[data-run="${full}"]`;
    const text = await entry(b, fullEntry, (t) => t.includes("places"));
    for (const part of ["FLT-CB", "Tess Evans", "Yard 2", "2 of 2 places", "full"]) assert.ok(text.includes(part), `${part} in ${text}`);
    const openText = await entry(b, `#diary td[data-day="2026-12-15"] a[data-run="${open}"]`, (t) => t.includes("places"));
    for (const part of ["Bob Price", "Bay 4", "0 of 3 places"]) assert.ok(openText.includes(part), `${part} in ${openText}`);
    // A three-day run is on each of its days, and on no other.
    assert.equal(await b.$$(`#diary a[data-run="${full}"]`).length, 3);
    await picture(b, "diary-month");

    // The week: the same run with its course title, every day of it.
    await click(b, "#diary-week");
    await textOf(b, "#diary-title", (t) => t.includes("Week of 07/12/2026"));
    await entry(b, `#diary td[data-day="2026-12-09"] a[data-run="${full}"]`, (t) => t.includes("Counterbalance lift truck, novice"));
    assert.equal(await b.$(`#diary a[data-run="${open}"]`).isExisting(), false, "the 15th is another week");
    await picture(b, "diary-week");
    await click(b, "#diary-next");
    await entry(b, `#diary a[data-run="${open}"]`, (t) => t.includes("Bay 4"));

    // Enrolling a third on a run of two places: refused, the reason shown, nothing written.
    await click(b, `#diary a[data-run="${open}"]`);
    await b.waitUntil(async () => (await b.getUrl()).includes(`runs/${open}`), { timeoutMsg: "the entry did not open its run" });
    await go(b, `runs/${full}`);
    await textOf(b, "#run-places", (t) => t.includes("2 of 2 places (full)"));
    await fill(b, "#enrol-search", "Cara");
    await click(b, "button.enrol");
    const refused = await textOf(b, "#error", (t) => t.includes("places"));
    assert.match(refused, /over the run's places: 3 candidates for 2 places \(2 places on the run\)/i);
    assert.equal(json(dir, ["run", "show", full]).enrolments.length, 2);
    await picture(b, "diary-over-capacity");

    // Lowering the places below those booked: refused beside the places field.
    await click(b, "#edit-run");
    await b.waitUntil(async () => (await b.$("#r-places").getValue()) === "2", { timeoutMsg: "places not pre-filled" });
    await fill(b, "#r-places", "1");
    await click(b, "#save-run");
    await textOf(b, "form", (t) => t.includes("2 candidates for 1 place (1 place on the run)"));
    assert.equal(json(dir, ["run", "capacity", full]).capacity, 2);

    // A new run on the 8th at " yard 2" with Tess: warned of both, nothing saved until "Save anyway".
    await go(b, "runs/new");
    await fill(b, "#r-starts", "08/12/2026");
    await fill(b, "#r-venue", "yard 2");
    await fill(b, "#r-places", "6");
    await click(b, "label=Tess Evans");
    await click(b, "#save-run");
    const warned = await textOf(b, "#clashes", (t) => t.includes("Save anyway"));
    assert.ok(warned.includes("Tess Evans is training FLT-CB, 07/12/2026 – 09/12/2026"), warned);
    assert.ok(warned.includes("Yard 2 is booked for FLT-CB"), warned);
    assert.equal(await b.$("#save-run").getText(), "Save anyway");
    assert.equal(json(dir, ["run", "list"]).length, 2, "nothing saved on the warning");
    await picture(b, "diary-double-booking", "#clashes");
    await click(b, "#save-run");
    await textOf(b, "#run-title", (t) => t.includes("Counterbalance"));
    const runs = json(dir, ["run", "list"]);
    assert.equal(runs.length, 3);
    assert.equal(runs.find((r) => r.starts_on === "2026-12-08").capacity, 6);
  } finally {
    await stop();
    cleanup();
  }
});
