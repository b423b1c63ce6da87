// The rules of time in the real app. A run starting in three days refuses a result typed in the
// grid and an attendance chosen there, each with the core's reason and the day it opens; a run of
// four days that ended yesterday shows a column a day, with Ann's missed day 3 marked absent and a
// day marked from the window; its register is saved from the run page; and "Issue certificates"
// says how many and for whom, and asks once before the batch.
//
// The dates are around today (the core's clock), so the future run stays in the future.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** Today plus `n` days, as dd/mm/yyyy and as yyyy-mm-dd (the computer's calendar, as the core's). */
function day(n) {
  const d = new Date();
  d.setDate(d.getDate() + n);
  const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return { uk: `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`, iso };
}

function centre(dir, work) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  const course = path.join(work, "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: "RTITB", course_type: "training",
    category: "Counterbalance lift truck", length_days: 4, duration_hours: 28, validity_months: 36,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const people = {};
  for (const [forename, surname, number] of [["Ann", "Able", "E1042"], ["Bob", "Ray", "E1043"]]) {
    people[forename] = addCandidate(dir, { forename, surname, employer: "Acme Haulage", employee_number: number }).candidate.id;
  }
  const future = json(dir, ["run", "add", "--course", "FLT-CB", "--start", day(3).uk, "--end", day(6).uk,
    "--assessment", day(6).uk, "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  json(dir, ["run", "enrol", future, people.Ann]);
  const past = json(dir, ["run", "add", "--course", "FLT-CB", "--start", day(-4).uk, "--end", day(-1).uk,
    "--assessment", day(-1).uk, "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  json(dir, ["run", "enrol", past, people.Ann, people.Bob]);
  for (const who of ["Ann", "Bob"]) {
    json(dir, ["result", "record", past, people[who], "--component", "Theory", "--mark", "36"]);
    for (const n of [-4, -3, -1]) json(dir, ["run", "attendance", past, people[who], "present", "--day", day(n).uk]);
  }
  // Ann missed day 3: she did not complete the course.
  json(dir, ["run", "attendance", past, people.Ann, "absent", "--day", day(-2).uk]);
  return { future, past, people };
}

test("a future run refuses results and attendance with the reason; a missed day shows; Issue asks once", async () => {
  const { dir, cleanup } = tempDataDir();
  const work = path.dirname(dir);
  const saves = path.join(work, "saved");
  mkdirSync(saves);
  const { future, past } = centre(dir, work);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: saves, CENTREBOOK_TEST_NO_OPEN: "1" });
  try {
    await unlockAndSignIn(b);

    // The future run: a typed mark is refused in its cell with the day results open.
    await go(b, `runs/${future}/results`);
    await fill(b, 'input[aria-label="Theory for Ann Able"]', "35");
    const said = await textOf(b, 'td.cell[data-state="rejected"] .cell-msg', (t) => t.length > 0, 15000);
    assert.match(said, new RegExp(`^not yet: results for this run can be recorded from ${day(6).uk}`, "i"));
    assert.equal(await textOf(b, "#save-state", () => true).then((t) => t.includes("1 not saved")), true);
    // Attendance chosen in the grid: refused with the run's first day; the row still says booked.
    // Chosen as the list's change event (WebKitGTK's popup would otherwise stay open over the grid).
    await shown(b, 'select[aria-label="Attendance of Ann Able"]');
    await b.execute(() => {
      const s = document.querySelector('select[aria-label="Attendance of Ann Able"]');
      s.value = "attended";
      s.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const why = await textOf(b, ".row-msg", (t) => t.length > 0);
    assert.match(why, new RegExp(`attendance for this run can be recorded from ${day(3).uk}`));
    assert.equal(await (await b.$('select[aria-label="Attendance of Ann Able"]')).getValue(), "booked");
    // A day of the run still to come, from its own column.
    // (Leaving the typed box first: its blur re-saves and moves the row under a first click.)
    await click(b, "#grid-hint");
    await click(b, `td.day[data-day="${day(4).iso}"] button`);
    await textOf(b, ".row-msg", (t) => t.includes(`attendance for that day can be recorded from ${day(4).uk}`));
    await picture(b, "time-rules-future-run-refused");

    // The past run: a column a day; Ann's day 3 is absent (so she did not attend), Bob's unmarked.
    await go(b, `runs/${past}/results`);
    await shown(b, `th.day[data-day="${day(-2).iso}"]`);
    const marks = async (who) => b.execute((w) =>
      [...document.querySelectorAll("tbody tr")].find((tr) => tr.textContent.includes(w))
        .querySelectorAll("td.day").values().map((td) => td.dataset.mark).toArray(), who);
    await b.waitUntil(async () => (await marks("Able")).join() === "present,present,absent,present");
    assert.deepEqual(await marks("Ray"), ["present", "present", "none", "present"], "Bob's day 3 is not marked yet");
    // Marked from the window: Bob was there on day 3.
    await click(b, `button[aria-label="Day 3 (${day(-2).uk}) for Bob Ray: not marked"]`);
    await b.waitUntil(async () => (await marks("Ray"))[2] === "present");
    assert.equal(await (await b.$('select[aria-label="Attendance of Ann Able"]')).getValue(), "did_not_attend");
    await picture(b, "time-rules-per-day-grid", "table.grid");

    // The register of day 3, saved from the run page.
    await go(b, `runs/${past}`);
    await shown(b, "#register-day");
    await b.execute((d) => {
      const s = document.querySelector("#register-day");
      s.value = d;
      s.dispatchEvent(new Event("change", { bubbles: true }));
    }, day(-2).iso);
    await click(b, "#save-register");
    await textOf(b, "#notice", (t) => t.startsWith(`Saved the register of ${day(-2).uk}`));
    const file = path.join(saves, `Register FLT-CB ${day(-2).iso}.pdf`);
    assert.ok(existsSync(file), file);
    const text = spawnSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).stdout;
    assert.match(text, /Register and sign-in sheet/);
    assert.match(text, /Ann Able.*\bA\b/, "Ann's absence is printed");
    if (process.env.SHOTS_DIR) {
      spawnSync("pdftoppm", ["-png", "-r", "80", "-singlefile", file, path.join(process.env.SHOTS_DIR, "register-day-3")]);
    }

    // Issue certificates: one question naming Bob only (Ann did not attend), then the batch.
    await click(b, "#issue-run-certificates");
    await textOf(b, "#issue-confirm-count", (t) => t.startsWith("1 certificate will be issued"));
    assert.equal(await textOf(b, "#issue-confirm-names", () => true), "Bob Ray");
    await picture(b, "time-rules-issue-asks-once");
    await click(b, "#confirm-issue");
    await textOf(b, "#run-certs-notice", (t) => t.startsWith("Issued 1 certificate"), 30000);
    assert.equal(await (await b.$("#issue-confirm-count")).isDisplayed(), false, "asked once, then done");
  } finally {
    await stop();
    cleanup();
  }
});
