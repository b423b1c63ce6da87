// Erasure in the real app: an admin erases an employed candidate from their page, recording the
// employer's approval and telling them what it means; the app returns to the candidates list, and the
// person is gone from search, the list and the employer's report, and their certificate number answers
// "No longer confirmable" on the Verify screen. A second candidate is erased keeping the training
// record: their certificate still verifies by number, with no name.
//
// Native save dialogs are skipped (dialogs.test.mjs drives the real ones): debug builds save into
// CENTREBOOK_TEST_SAVE_DIR under the suggested name.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** Acme Haulage's two employees on one run, both passed and certified: their ids and QR texts. */
function centre(dir, work) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  const course = path.join(work, "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: "RTITB", course_type: "training",
    category: "Counterbalance lift truck", length_days: 5, duration_hours: 35, validity_months: 36,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  const employer = json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--end", "06/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  const people = {};
  for (const [forename, surname, number] of [["Orla", "Vantongeren", "E5501"], ["Pip", "Marchetti", "E5502"]]) {
    const id = addCandidate(dir, { forename, surname, employer: "Acme Haulage", employee_number: number }).candidate.id;
    json(dir, ["run", "enrol", run, id]);
    json(dir, ["result", "record", run, id, "--component", "Theory", "--mark", "38"]);
    const cert = json(dir, ["certificate", "issue", "--run", run, "--candidate", id, "--date", "09/11/2026"]);
    people[surname] = { id, qr: cert.qr, number: cert.number };
  }
  return { people, employer: employer[0].id };
}

/** Puts `text` into a text field as if pasted. */
async function paste(b, selector, text) {
  await shown(b, selector);
  await b.execute((sel, t) => {
    const el = document.querySelector(sel);
    el.value = t;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, selector, text);
}

/** Searches the candidates for `typed` and waits for the count to say `expected`. */
async function search(b, typed, expected) {
  await go(b, "candidates");
  await paste(b, "#candidate-search", typed);
  return textOf(b, 'p.small.muted[role="status"]', (t) => expected.test(t));
}

async function verify(b, qr) {
  await click(b, "#nav-verify");
  await paste(b, "#qr-input", qr);
  await click(b, "#check-text");
  return textOf(b, "#verify-status", (t) => t.length > 0);
}

async function eraseFromPage(b, id, { keep, shot }) {
  await go(b, `candidates/${id}`);
  await click(b, "#erase");
  await fill(b, "#erase-by", "Dana Hale, HR manager");
  await fill(b, "#erase-on", "20/11/2026");
  await fill(b, "#erase-how", "email to the office");
  if (keep) await click(b, "#erase-record-keep");
  const warning = await textOf(b, "#erase-warning", (t) => t.length > 0);
  const confirm = await b.$("#confirm-erase");
  assert.equal(await confirm.isEnabled(), false, "nothing is erased before the person has been told");
  await click(b, "#erase-told");
  if (shot) await picture(b, shot);
  await click(b, "#confirm-erase");
  return warning;
}

test("an erasure with the employer's approval removes the person from search, lists and the report; the certificate answers as chosen", async () => {
  const { dir, cleanup } = tempDataDir();
  const work = path.dirname(dir);
  const saves = path.join(work, "saved");
  mkdirSync(saves);
  const { people, employer } = centre(dir, work);
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: saves, CENTREBOOK_TEST_NO_OPEN: "1" });
  try {
    await unlockAndSignIn(b);
    await search(b, "Vantongeren", /1 found/);
    await go(b, `candidates/${people.Vantongeren.id}`);
    await textOf(b, "#candidate-name", (t) => t.includes("Vantongeren"));
    await picture(b, "erase-before");

    const warning = await eraseFromPage(b, people.Vantongeren.id, { keep: false, shot: "erase-dialog" });
    assert.match(warning, /cannot confirm the qualification or reissue a lost certificate/);

    // Back on the candidates list, which says what was done and until when backups hold them.
    const notice = await textOf(b, "#candidates-notice", (t) => t.includes("was erased"));
    assert.match(notice, /The candidate was erased/);
    assert.doesNotMatch(notice, /Vantongeren/, "the notice repeats no name");
    assert.match(notice, /backup/i);
    assert.equal(await b.execute(() => location.hash), "#/candidates");
    await picture(b, "erase-after");

    // Gone from search (by name, by employee number, by certificate number) and from the list.
    // Each "none" follows a search that finds someone, so a stale count never passes for a new one.
    await search(b, "Vantongeren", /No candidates match/);
    await search(b, "Marchetti", /1 found/);
    await search(b, "E5501", /No candidates match/);
    await search(b, "E5502", /1 found/);
    await search(b, people.Vantongeren.number, /No candidates match/);
    await search(b, "", /^1 candidates$/);
    const listed = () => b.execute(() => document.querySelector("#content").textContent);
    await b.waitUntil(async () => (await listed()).includes("Marchetti"), { timeoutMsg: "the list never showed Marchetti" });
    assert.doesNotMatch(await listed(), /Vantongeren/);

    // Gone from the employer's report (saved as CSV: one employee left).
    await go(b, `employers/${employer}`);
    await shown(b, "#employer-report");
    await click(b, "#report-csv");
    await click(b, "#save-report");
    assert.match(await textOf(b, "#report-saved", (t) => t.startsWith("Saved"), 30000), /1 employee on/);
    const csv = readdirSync(saves).find((f) => f.startsWith("Training report Acme Haulage") && f.endsWith(".csv"));
    assert.ok(csv, String(readdirSync(saves)));
    const report = readFileSync(path.join(saves, csv), "utf8");
    assert.match(report, /Marchetti/);
    assert.doesNotMatch(report, /Vantongeren|E5501/);

    // Their certificate number can no longer be confirmed, and the centre repeats no name.
    assert.equal(await verify(b, people.Vantongeren.qr), "No longer confirmable");
    assert.match(await textOf(b, "#verify-detail", (t) => t.length > 0), /erased with the holder's records/);
    assert.equal(await (await b.$("#verify-statement")).isExisting(), false);
    await picture(b, "erase-verify");

    // Keeping the training record: the certificate still verifies by number, without the person.
    const kept = await eraseFromPage(b, people.Marchetti.id, { keep: true });
    assert.match(kept, /keeps the training record without the person's name/);
    await textOf(b, "#candidates-notice", (t) => t.includes("training record is kept"));
    assert.equal(await verify(b, people.Marchetti.qr), "Valid");
    const statement = await textOf(b, "#verify-statement", (t) => t.includes(people.Marchetti.number));
    assert.match(statement, /\(erased\)/);
    assert.doesNotMatch(statement, /Marchetti/);
    await picture(b, "erase-verify-kept");
  } finally {
    await stop();
    cleanup();
  }
});
