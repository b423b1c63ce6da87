// Looking after records in the real app: merging a duplicate, enrolling from a pasted list,
// restricting processing, health notes with explicit consent, then a backup and a restore that brings
// back the state the backup held.
//
// Native dialogs are skipped here (dialogs.test.mjs drives the real ones): debug builds save into CENTREBOOK_TEST_SAVE_DIR
// (here the data folder's backups/, so the backup is listed) instead of asking.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, ADMIN_PASSWORD, PASSPHRASE, cli, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

/** Registers a candidate through the command line and returns their id. */
function register(dir, forename, surname, number, more = {}) {
  return addCandidate(dir, { forename, surname, employer: "Acme Plant Hire", employee_number: number, ...more }, { force: true }).candidate.id;
}

test("a duplicate is merged, a pasted list enrolled, processing restricted, notes kept with consent, and a restore brings back the backup's state", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  cli(dir, ["--user", "admin", "employer", "add", "--name", "Acme Plant Hire", "--postcode", "LS1 4AP"]);
  const keep = register(dir, "Gareth", "Jones", "G-1");
  register(dir, "Gareth", "Jones", "G-2");
  register(dir, "Mair", "Owen", "M-1", { date_of_birth: "05/05/1985" });
  const course = path.join(dir, "..", "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", course_type: "training", category: "Counterbalance lift truck",
    length_days: 5, duration_hours: 35, components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  cli(dir, ["--user", "admin", "course", "add", course]);
  const run = JSON.parse(cli(dir, ["--json", "--user", "admin", "run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--venue", "Yard 2"])).id;
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: path.join(dir, "backups") });
  try {
    await unlockAndSignIn(b);
    await go(b, `candidates/${keep}`);
    await textOf(b, "#candidate-name", (t) => t === "Gareth Jones");

    // Merge: the other record is found by search and merged in after a summary.
    await click(b, "#merge");
    await fill(b, "#merge-search", "jones");
    const pick = await textOf(b, "button.pick", (t) => t.includes("G-2"));
    assert.ok(!pick.includes("G-1"), "the record itself is not offered as its own duplicate");
    await click(b, "button.pick");
    await shown(b, "#merge-summary");
    await click(b, "#confirm-merge");
    await textOf(b, "#candidate-notice", (t) => /merged into this one/.test(t));
    await textOf(b, "#audit", (t) => t.includes("Duplicate record merged in"));
    assert.equal(JSON.parse(cli(dir, ["--json", "--user", "admin", "candidate", "search"], {}, "gareth")).length, 1, "one Gareth Jones left");

    // A pasted list: checked line by line first, then the matched lines enrolled at once.
    await go(b, `runs/${run}`);
    await click(b, "#paste-list");
    // Typed keys cannot carry line breaks through WebDriver: the paste is put in as a paste would.
    await shown(b, "#paste-text");
    await b.execute(() => {
      const t = document.getElementById("paste-text");
      t.value = "JONES, Gareth\nM-1\nNobody Here\nM-1\tDai Evans\t01/01/1970";
      t.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await click(b, "#check-list");
    await textOf(b, "#list-summary", (t) => t === "2 to enrol; 2 lines need a person.");
    const fates = await b.execute(() => [...document.querySelectorAll("#list-fates tbody tr")].map((tr) => tr.dataset.fate));
    assert.deepEqual(fates, ["enrol", "enrol", "not_found", "conflict"]);
    // Mair's employee number, but another name and date of birth: a conflict, not Mair.
    const conflict = await textOf(b, '#list-fates tr[data-fate="conflict"]', (t) => t.length > 0);
    assert.match(conflict, /Not enrolled, conflict with Mair Owen \(Acme Plant Hire\): the same employer and employee number, but a different name and date of birth/);
    if (process.env.SHOTS_DIR) {
      await b.execute(() => document.querySelector("#list-fates").scrollIntoView({ block: "center" }));
      await new Promise((r) => setTimeout(r, 800));
      await b.saveScreenshot(path.join(process.env.SHOTS_DIR, "enrol-list-conflict.png"));
    }
    await click(b, "#enrol-listed");
    await textOf(b, "#notice", (t) => t === "2 enrolled from the list.");
    await textOf(b, "#enrolments", (t) => t.includes("Jones, Gareth") && t.includes("Owen, Mair"));
    await go(b, `candidates/${keep}`);
    await textOf(b, "#candidate-name", (t) => t === "Gareth Jones");

    // Restriction needs a reason, and shows on the record.
    await click(b, "#restrict");
    assert.equal(await (await b.$("#confirm-restrict")).isEnabled(), false, "no restriction without a reason");
    await fill(b, "#restrict-reason", "Candidate contests the accuracy of his employer details");
    await click(b, "#confirm-restrict");
    await shown(b, "#restricted-badge");

    // Health notes need explicit consent.
    await click(b, "#edit-notes");
    await fill(b, "#sc-notes", "Needs a step to reach the cab");
    await fill(b, "#sc-source", "Signed booking form");
    assert.equal(await (await b.$("#save-notes")).isEnabled(), false, "no notes without consent");
    await click(b, "#sc-consent");
    await click(b, "#save-notes");
    await textOf(b, "#notes-text", (t) => t.includes("Needs a step to reach the cab"));

    // A backup while restricted, then the restriction is lifted.
    await go(b, "backup");
    await click(b, "#backup-now");
    await textOf(b, "#backups", (t) => /Made by hand/.test(t));
    await go(b, `candidates/${keep}`);
    await click(b, "#restrict");
    await fill(b, "#restrict-reason", "Details confirmed with the employer");
    await click(b, "#confirm-restrict");
    await textOf(b, "#candidate-notice", (t) => t === "The restriction was lifted.");

    // Restoring the backup needs the backup's admin and the box ticked, then brings the restriction back.
    await go(b, "backup");
    await click(b, "#backups button.link");
    await fill(b, "#r-username", "admin");
    await fill(b, "#r-password", ADMIN_PASSWORD);
    await fill(b, "#r-passphrase", PASSPHRASE);
    assert.equal(await (await b.$("#confirm-restore")).isEnabled(), false, "not until the box is ticked");
    await click(b, "#r-understood");
    await click(b, "#confirm-restore");
    const done = await textOf(b, "#backup-notice", (t) => t.startsWith("Restored from"), 60000);
    assert.match(done, /kept in/);
    await textOf(b, "#signed-in-user", (t) => t === "admin");
    await go(b, `candidates/${keep}`);
    await shown(b, "#restricted-badge");
    await textOf(b, "#notes-text", (t) => t.includes("Needs a step to reach the cab"));
  } finally {
    await stop();
    cleanup();
  }
});
