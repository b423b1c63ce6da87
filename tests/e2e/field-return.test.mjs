// The field round trip, whole, in the real app: on Tess's laptop a walk-in is added to the run (the
// run page's "Add walk-in"), marks are typed, Bob's outcome is overridden with a reason, and Siân gets a
// comment and an evidence photo; a second walk-in, whose employee number is Siân's, is added through
// the command line (`run walk-in`, the person on standard input). The return goes to the office,
// which imports it in the window: the override with its reason, the comment, the photo and the new
// walk-in are there, and the walk-in the duplicate check was unsure of waits on the Returns screen
// beside the office's record until a person registers them as someone new.
//
// The laptop and the office are set up through the command line (laptop.test.mjs drives that part in
// the window). Screenshots go to SHOTS_DIR when set.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, picture, shown, textOf, unlockAndSignIn } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PHOTO = path.join(here, "fixtures", "portrait.jpg");
const json = (dir, args, env = {}, input = undefined) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env, input));

/** An office with a theory course, Tess (trainer, with an account) and her run at Acme of Siân and Bob. */
function office(dir, at) {
  initStore(dir, "Riverside Plant Training");
  writeFileSync(at("course.json"), JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training",
    category: "Counterbalance lift truck", length_days: 3, duration_hours: 21,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", at("course.json")]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  json(dir, ["user", "add", "tess", "--role", "trainer"], { CENTREBOOK_NEW_PASSWORD: "trainer password 1" });
  const tess = addTrainer(dir, { name: "Tess Evans", username: "tess" })[0].id;
  const people = {};
  for (const [forename, surname, employee_number] of [["Siân", "Llewelyn", "E1042"], ["Bob", "Ray", "E2001"]]) {
    people[forename] = addCandidate(dir, { forename, surname, employer: "Acme Haulage", employee_number }).candidate.id;
  }
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "16/11/2026", "--end", "18/11/2026", "--employer", "Acme Haulage", "--trainer", "Tess Evans"]).id;
  for (const id of Object.values(people)) json(dir, ["run", "enrol", run, id]);
  return { run, people, tess };
}

/** Clicks the grid's "Override…" in the row of `who`. */
async function overrideRow(b, who) {
  const ok = await b.execute((name) => {
    const row = [...document.querySelectorAll("tr")].find((tr) => tr.querySelector(`[aria-label="Theory for ${name}"]`));
    const button = row?.querySelector("button.override");
    button?.click();
    return !!button;
  }, who);
  assert.ok(ok, `an Override button in ${who}'s row`);
}

test("a field return carries an override, a comment, an evidence photo and walk-ins to the office", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-fieldtrip-"));
  const at = (...p) => path.join(base, ...p);
  const officeDir = at("office");
  const laptopDir = at("laptop");
  mkdirSync(at("stick"));
  const { run, people, tess } = office(officeDir, at);

  // The laptop: enrolled with the centre, registered to Tess, holding her run.
  json(officeDir, ["field", "centre-key", "--out", at("stick", "centre.key")]);
  initStore(laptopDir, "Laptop");
  json(laptopDir, ["field", "enrol", "--centre-key", at("stick", "centre.key"), "--name", "Tess's laptop"]);
  json(laptopDir, ["field", "device-key", "--out", at("stick", "laptop.key")]);
  json(officeDir, ["field", "device", "add", "--trainer", tess, at("stick", "laptop.key")]);
  json(officeDir, ["fieldpack", "export", "--run", run, "--out", at("stick", "pack.cbf")]);
  json(laptopDir, ["fieldpack", "import", at("stick", "pack.cbf")]);

  let app = await launch(laptopDir, { CENTREBOOK_TEST_EVIDENCE_FILE: PHOTO });
  let b = app.browser;
  try {
    await unlockAndSignIn(b);
    await go(b, `runs/${run}`);
    await click(b, "#add-walk-in");
    await fill(b, "#walk-in-forename", "Dai");
    await fill(b, "#walk-in-surname", "Jones");
    assert.equal(await (await b.$("#walk-in-employer")).getValue(), "Acme Haulage", "the run's employer offered");
    await fill(b, "#walk-in-number", "E3000");
    await picture(b, "laptop-add-walk-in");
    await click(b, "#confirm-walk-in");
    await textOf(b, "#notice", (t) => t.startsWith("Dai Jones added as a walk-in"));
    await textOf(b, "#enrolments", (t) => t.includes("Jones, Dai") && t.includes("E3000"));
    await picture(b, "laptop-run-with-walk-in", "#enrolments");

    await go(b, `runs/${run}/results`);
    for (const [who, mark] of [["Siân Llewelyn", "35"], ["Bob Ray", "22"], ["Dai Jones", "36"]]) {
      await fill(b, `input[aria-label="Theory for ${who}"]`, mark);
    }
    await textOf(b, "#save-state", (t) => t === "All results saved");
    // Siân: a comment and an evidence photo.
    await click(b, 'button[aria-label="Comments and photos for Siân Llewelyn"]');
    await fill(b, "#note-0", "Confident on the pre-use checks");
    await click(b, "#add-evidence");
    await shown(b, "#evidence-list img");
    await click(b, "#notes-done");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    // Bob: failed on marks, passed by the trainer with a reason.
    await overrideRow(b, "Bob Ray");
    await (await shown(b, "#ov-outcome")).selectByVisibleText("Pass");
    await fill(b, "#ov-reason", "Oral re-assessment passed on site");
    await click(b, "#ov-save");
    await b.waitUntil(async () => (await b.execute(() => document.body.innerText)).includes("Pass · overridden"), { timeout: 10000, timeoutMsg: "no override shown" });
    await picture(b, "laptop-grid");
  } finally {
    await app.stop();
  }
  // A second walk-in through the command line, the person on standard input: Siân's number, another name.
  const dylan = json(laptopDir, ["run", "walk-in", run], {}, JSON.stringify({ forename: "Dylan", surname: "Thomas", employer: "Acme Haulage", employee_number: "E1042" }));
  assert.equal(dylan.surname, "Thomas");
  const sum = json(laptopDir, ["return", "export", "--out", at("stick", "return.cbr")]);
  assert.deepEqual([sum.walk_ins, sum.overrides, sum.photos], [2, 1, 1]);

  // The office imports it in the window and sees what came.
  app = await launch(officeDir, { CENTREBOOK_TEST_OPEN_RETURN: at("stick", "return.cbr") });
  b = app.browser;
  try {
    await unlockAndSignIn(b);
    await click(b, "#nav-returns");
    await click(b, "#import-return");
    await textOf(b, "#return-import-notice", (t) => t.includes("Return applied") && t.includes("1 photo added, 1 walk-in registered") && t.includes("1 conflict waits"));
    const held = 'article[data-conflict]';
    await textOf(b, held, (t) => t.includes("Dylan Thomas") && t.includes("Walk-in"));
    assert.match(await textOf(b, `${held} .office-value`, (t) => t.length > 0), /^Siân Llewelyn, Acme Haulage, employee number E1042$/);
    assert.match(await textOf(b, `${held} .field-value`, (t) => t.length > 0), /^Dylan Thomas, Acme Haulage, employee number E1042$/);
    await textOf(b, `${held} .walk-in-reason`, (t) => t.includes("under another name"));
    await picture(b, "office-returns-walk-in-held", held);
    await click(b, `${held} button.take-field`);
    await shown(b, "#no-conflicts");

    await go(b, `runs/${run}`);
    await textOf(b, "#enrolments", (t) => ["Jones, Dai", "Thomas, Dylan", "Llewelyn, Siân", "Ray, Bob"].every((n) => t.includes(n)));
    await textOf(b, "#enrolments", (t) => t.includes("Pass · overridden"));
    await picture(b, "office-run-after-return", "#enrolments");
    await go(b, `runs/${run}/results`);
    await click(b, 'button[aria-label="Comments and photos for Siân Llewelyn"]');
    assert.equal(await (await shown(b, "#note-0")).getValue(), "Confident on the pre-use checks");
    await shown(b, "#evidence-list img");
    await picture(b, "office-comment-and-photo");
    await click(b, "#notes-done");
  } finally {
    await app.stop();
  }
  // The stored records agree: Bob's override with its reason, Dai registered once with his number.
  const bob = json(officeDir, ["result", "show", run, people.Bob]);
  assert.equal(bob.enrolment.outcome.overridden.reason, "Oral re-assessment passed on site");
  assert.equal(bob.enrolment.outcome.outcome, "pass");
  const onRun = json(officeDir, ["run", "show", run]);
  const dai = onRun.enrolments.filter((e) => e.forename === "Dai");
  assert.equal(dai.length, 1);
  assert.equal(dai[0].employee_number, "E3000");
  rmSync(base, { recursive: true, force: true });
});
