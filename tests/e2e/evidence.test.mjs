// Comments and evidence photos from the results grid. A row's "Comments and photos…" opens a dialog:
// the comment typed there is saved with the score (through the grid's save queue), shows again when
// the grid is opened again, is in the store (read back through the command line), and survives the
// score being changed afterwards. "Add a photo…" takes the picture (the file dialog's answer comes
// from CENTREBOOK_TEST_EVIDENCE_FILE in debug builds) and its thumbnail is listed when the dialog is
// opened again. The run's trainer, signed in as on her laptop, does the same on her own run.
//
// Screenshots go to SHOTS_DIR when set.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { addTrainer, addCandidate, cli, click, fill, go, initStore, launch, PASSPHRASE, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PHOTO = path.join(here, "fixtures", "portrait.jpg");
const TESS_PASSWORD = "trainer password 1";
const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));

/** A run of a theory paper taught by Tess (who has an account), two candidates with theory marked. */
function centre(dir) {
  initStore(dir, "Riverside Plant Training");
  const course = path.join(path.dirname(dir), "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training",
    category: "Counterbalance lift truck", length_days: 3, duration_hours: 21,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  json(dir, ["user", "add", "tess", "--role", "trainer"], { CENTREBOOK_NEW_PASSWORD: TESS_PASSWORD });
  addTrainer(dir, { name: "Tess Evans", username: "tess" });
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--end", "04/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  const people = [];
  for (const [forename, surname] of [["Asha", "Ahmed"], ["Bob", "Bell"]]) {
    const id = addCandidate(dir, { forename, surname }).candidate.id;
    json(dir, ["run", "enrol", run, id]);
    json(dir, ["result", "record", run, id, "--component", "Theory", "--mark", "35"]);
    people.push(id);
  }
  return { run, people };
}

const storedTheory = (dir, run, id) => json(dir, ["result", "show", run, id]).components[0];

async function openGrid(b, run) {
  await go(b, `runs/${run}/results`);
  await shown(b, 'input[data-row="1"][data-col="0"]');
  await textOf(b, "#save-state", (t) => t === "All results saved");
}

async function openNotes(b, who) {
  await click(b, `button[aria-label="Comments and photos for ${who}"]`);
  await shown(b, "#note-0");
}

const thumbs = (b) => b.execute(() => [...document.querySelectorAll("#evidence-list img")].map((i) => i.naturalWidth > 0));


test("a comment typed in the grid is stored with the score, and an evidence photo is listed again", async () => {
  const { dir, cleanup } = tempDataDir();
  const { run, people } = centre(dir);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_EVIDENCE_FILE: PHOTO });
  try {
    await unlockAndSignIn(b);
    await openGrid(b, run);
    await openNotes(b, "Bob Bell");
    await textOf(b, "#no-evidence", (t) => t === "No evidence photos yet.");
    await fill(b, "#note-0", "Steady on the paper; check the pre-use questions");
    await click(b, "#notes-done"); // leaving the box saves it at once
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await textOf(b, 'tr:nth-child(2) .comment-count', (t) => t === "1 comment");
    assert.equal(storedTheory(dir, run, people[1]).comments, "Steady on the paper; check the pre-use questions");
    assert.equal(storedTheory(dir, run, people[1]).score.mark, 35, "the score kept");
    assert.equal(storedTheory(dir, run, people[0]).comments, null, "the other candidate untouched");

    // The mark changed afterwards in the grid: the comment goes with it, not lost.
    await fill(b, 'input[data-row="1"][data-col="0"]', "28");
    await b.keys(["Enter"]);
    await textOf(b, "#save-state", (t) => t === "All results saved");
    const after = storedTheory(dir, run, people[1]);
    assert.deepEqual([after.score.mark, after.comments], [28, "Steady on the paper; check the pre-use questions"]);

    // The grid opened again shows the stored comment.
    await go(b, `runs/${run}`);
    await openGrid(b, run);
    await openNotes(b, "Bob Bell");
    assert.equal(await b.$("#note-0").getValue(), "Steady on the paper; check the pre-use questions");

    // An evidence photo added, then listed when the dialog is opened again.
    await click(b, "#add-evidence");
    await shown(b, "#evidence-list img");
    await click(b, "#notes-done");
    await openNotes(b, "Bob Bell");
    await shown(b, "#evidence-list img");
    await b.waitUntil(async () => (await thumbs(b)).length === 1 && (await thumbs(b))[0], { timeout: 10000 });
    await picture(b, "grid-comments-and-photos");
    await click(b, "#notes-done");
    await openNotes(b, "Asha Ahmed");
    await textOf(b, "#no-evidence", (t) => t === "No evidence photos yet.");
    assert.equal(await b.$("#note-0").getValue(), "");
  } finally {
    await stop();
    cleanup();
  }
});

test("the run's trainer adds comments and evidence photos on her own run", async () => {
  const { dir, cleanup } = tempDataDir();
  const { run, people } = centre(dir);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_EVIDENCE_FILE: PHOTO });
  try {
    await unlockAndSignIn(b, PASSPHRASE, TESS_PASSWORD, "tess");
    await openGrid(b, run);
    await openNotes(b, "Asha Ahmed");
    await fill(b, "#note-0", "Good answers on stability");
    await click(b, "#add-evidence");
    await shown(b, "#evidence-list img");
    await picture(b, "trainer-comments-and-photos");
    await click(b, "#notes-done");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    const stored = storedTheory(dir, run, people[0]);
    assert.equal(stored.comments, "Good answers on stability");
    assert.equal(stored.assessor, "Tess Evans");
  } finally {
    await stop();
    cleanup();
  }
});
