// Sharing in the real app, with two data folders: the office and a trainer's laptop.
//
// 1. Office ↔ laptop: the office (set up through the command line) saves its centre key and
//    registers the laptop in the window, comparing fingerprints; exports a field pack of Tess's run.
//    The laptop app (field mode, banner) imports it, a mark is typed into the results grid, and the
//    return is exported. Meanwhile the office changes the same result through the command line. The
//    office app imports the return: the clean change is applied, the clashing one is shown side by
//    side, "Take field" settles it, the grid shows the trainer's mark, and a replay changes nothing.
// 2. Submissions: the identifiers the profile needs that the course did not collect, warned before
//    making it; a password-protected bundle (a standard AES ZIP, opened by Python's pyzipper) made in
//    the window, tracked to acknowledged, its breach listing saved as CSV, opened in the window to
//    show the files it holds, and accepted by `centrebook bundle verify`.
// 3. Enrolment: a fresh store enrolled in the window with the office's centre-key file becomes a
//    field laptop (banner); the device key it saves registers at the office with the same fingerprint.
//
// Native dialogs are skipped here (dialogs.test.mjs drives the real ones): debug builds save into
// CENTREBOOK_TEST_SAVE_DIR under the suggested name and open the file named by
// CENTREBOOK_TEST_OPEN_<KIND> (release builds read neither).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { addTrainer, addCandidate, ADMIN_PASSWORD, CLI, PASSPHRASE, cli, click, fill, go, initStore, launch, picture, shown, signIn, textOf } from "./harness.mjs";

const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));

function workspace() {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-sharing-"));
  return { base, at: (...p) => path.join(base, ...p), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

async function open(dir, env) {
  const app = await launch(dir, env);
  await shown(app.browser, "#passphrase");
  await fill(app.browser, "#passphrase", PASSPHRASE);
  await click(app.browser, "#unlock");
  await signIn(app.browser, "admin", ADMIN_PASSWORD);
  return app;
}

/** An office with a course (Theory marked out of 40), Tess (trainer, with an account) and her run of two. */
function office(dir, w) {
  initStore(dir, "Riverside Plant Training");
  const course = w.at("course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: null, course_type: "training",
    category: "Counterbalance lift truck", length_days: 3, duration_hours: 21, validity_months: 36,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  json(dir, ["user", "add", "tess", "--role", "trainer"], { CENTREBOOK_NEW_PASSWORD: "trainer password 1" });
  addTrainer(dir, { name: "Tess Evans", username: "tess" });
  const people = {};
  for (const [forename, surname, ni] of [["Siân", "Llewelyn", "ab123456c"], ["Bob", "Ray", "ce123456a"]]) {
    people[forename] = addCandidate(dir, { forename, surname, employer: "Acme Haulage", ni_number: ni }).candidate.id;
  }
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "16/11/2026", "--end", "18/11/2026", "--employer", "Acme Haulage", "--trainer", "Tess Evans"]).id;
  for (const id of Object.values(people)) json(dir, ["run", "enrol", run, id]);
  return { run, people };
}

const theoryOf = (b, name) => `input[aria-label="Theory for ${name}"]`;

test("a field pack goes to the laptop and its return comes back with a conflict a person settles", async () => {
  const w = workspace();
  const officeDir = w.at("office");
  const laptopDir = w.at("laptop");
  const officeOut = w.at("office-out");
  const laptopOut = w.at("laptop-out");
  mkdirSync(officeOut);
  mkdirSync(laptopOut);
  const { run, people } = office(officeDir, w);
  initStore(laptopDir, "Tess's laptop");

  // The office saves its centre key and registers the laptop, comparing fingerprints.
  let app = await open(officeDir, { CENTREBOOK_TEST_SAVE_DIR: officeOut, CENTREBOOK_TEST_OPEN_DEVICE_KEY: w.at("device.key") });
  let b = app.browser;
  let centreFingerprint;
  try {
    await click(b, "#nav-field");
    await shown(b, "#no-devices");
    await click(b, "#save-centre-key");
    centreFingerprint = await textOf(b, "#centre-fingerprint", (t) => t.length > 0);
    const enrolled = json(laptopDir, ["field", "enrol", "--centre-key", path.join(officeOut, "centrebook-centre.key"), "--name", "Tess's laptop"]);
    json(laptopDir, ["field", "device-key", "--out", w.at("device.key")]);
    await (await shown(b, "#d-trainer")).selectByVisibleText("Tess Evans");
    await click(b, "#register-device");
    const registered = await textOf(b, "#register-notice", (t) => t.startsWith("Registered"));
    assert.ok(registered.includes(enrolled.fingerprint), `${registered} should show ${enrolled.fingerprint}`);
    await textOf(b, "#devices", (t) => t.includes("Tess Evans") && t.includes(enrolled.fingerprint));

    // The field pack of Tess's run.
    await (await shown(b, "#p-trainer")).selectByVisibleText("Tess Evans");
    await click(b, `input.pack-run[value="${run}"]`);
    await click(b, "#export-pack");
    const packed = await textOf(b, "#pack-notice", (t) => t.startsWith("Saved"));
    assert.match(packed, /1 course run, 2 candidates, 0 with results so far/);
  } finally {
    await app.stop();
  }
  const pack = readdirSync(officeOut).find((f) => f.startsWith("fieldpack-") && f.endsWith(".cbf"));
  assert.ok(pack, "the pack was saved");
  assert.ok(!readFileSync(path.join(officeOut, pack)).includes("Llewelyn"), "the pack is encrypted");

  // Meanwhile the office records Bob's theory itself.
  json(officeDir, ["result", "record", run, people.Bob, "--component", "Theory", "--mark", "31"]);

  // The laptop: field mode, the pack imported, marks typed in the grid, the return exported.
  app = await open(laptopDir, { CENTREBOOK_TEST_SAVE_DIR: laptopOut, CENTREBOOK_TEST_OPEN_FIELD_PACK: path.join(officeOut, pack) });
  b = app.browser;
  try {
    await textOf(b, "#field-banner", (t) => t.includes("Field laptop for Riverside Plant Training"));
    assert.equal(await (await b.$("#nav-submissions")).isExisting(), false, "no submissions on a laptop");
    assert.equal(await (await b.$("#nav-returns")).isExisting(), false, "returns are applied at the office");
    await click(b, "#nav-field");
    await textOf(b, "#trusted-fingerprint", (t) => t === centreFingerprint);
    await click(b, "#import-pack");
    await textOf(b, "#laptop-notice", (t) => t === "Field pack imported: 1 course run, 2 candidates, 0 with results so far.");
    await go(b, `runs/${run}/results`);
    await fill(b, theoryOf(b, "Siân Llewelyn"), "35");
    await fill(b, theoryOf(b, "Bob Ray"), "20");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await click(b, "#nav-field");
    await click(b, "#export-return");
    const returned = await textOf(b, "#return-notice", (t) => t.startsWith("Saved"));
    // Typing a mark also marks the candidate attended.
    assert.match(returned, /2 candidates: 2 with attendance recorded, 2 with results, 0 with an override; 0 walk-ins and 0 photos/);
  } finally {
    await app.stop();
  }
  const ret = readdirSync(laptopOut).find((f) => f.startsWith("return-") && f.endsWith(".cbr"));
  assert.ok(ret, "the return was saved");

  // The office applies it: Siân's mark goes in, Bob's waits side by side; Take field settles it.
  app = await open(officeDir, { CENTREBOOK_TEST_OPEN_RETURN: path.join(laptopOut, ret) });
  b = app.browser;
  try {
    assert.equal(await (await b.$("#field-banner")).isExisting(), false, "the office is not a field laptop");
    await click(b, "#nav-returns");
    await shown(b, "#no-conflicts");
    await click(b, "#import-return");
    const applied = await textOf(b, "#return-import-notice", (t) => t.includes("Return applied"));
    assert.match(applied, /\d changes applied.*1 conflict waits/);
    const conflict = "#conflicts article.conflict";
    await textOf(b, conflict, (t) => t.includes("Bob Ray") && t.includes("Theory result"));
    assert.match(await textOf(b, `${conflict} .office-value`, (t) => t.length > 0), /^Mark 31\b/);
    assert.match(await textOf(b, `${conflict} .field-value`, (t) => t.length > 0), /^Mark 20\b/);
    assert.match(await (await b.$(`${conflict} .side.office`)).getText(), /by admin/);
    assert.match(await (await b.$(`${conflict} .side.field`)).getText(), /by admin/);
    assert.equal(await textOf(b, "#conflict-count", (t) => t.length > 0), "1");
    await click(b, `${conflict} button.take-field`);
    await textOf(b, "#decided-notice", (t) => t.includes("the trainer's value now stands"));
    await shown(b, "#no-conflicts");
    assert.equal(await (await b.$("#conflict-count")).isExisting(), false);
    // Decided ones can still be seen, with the decision.
    await click(b, "#show-decided");
    await textOf(b, conflict, (t) => t.includes("Field value taken"));

    // The grid shows the trainer's marks.
    await go(b, `runs/${run}/results`);
    await b.waitUntil(async () => (await (await b.$(theoryOf(b, "Bob Ray"))).getValue()) === "20", { timeout: 10000, timeoutMsg: "Bob's mark is not 20" });
    assert.equal(await (await b.$(theoryOf(b, "Siân Llewelyn"))).getValue(), "35");

    // Importing the same return again changes nothing.
    await click(b, "#nav-returns");
    await click(b, "#import-return");
    await textOf(b, "#return-import-notice", (t) => t.includes("applied already: nothing changed"));
    await shown(b, "#no-conflicts");
  } finally {
    await app.stop();
  }
  const bob = json(officeDir, ["result", "show", run, people.Bob]);
  assert.equal(bob.components[0].score.mark, 20);
  w.cleanup();
});

/** An office with an RTITB course needing NI numbers, and one pass waiting to be submitted. */
function submitting(dir, w) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  const course = w.at("course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-T", title: "Counterbalance test", awarding_body: "RTITB", course_type: "test",
    category: "Counterbalance lift truck", length_days: 1, duration_hours: 7, requires: { ni_number: true },
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const who = addCandidate(dir, { forename: "Siân", surname: "Llewelyn", ni_number: "ab123456c" }).candidate.id;
  const run = json(dir, ["run", "add", "--course", "FLT-T", "--start", "02/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  json(dir, ["run", "enrol", run, who]);
  json(dir, ["result", "record", run, who, "--component", "Theory", "--mark", "36"]);
}

test("a bundle made in the window is tracked, lists who it affects, and the command line verifies it", async () => {
  const w = workspace();
  const dir = w.at("office");
  const out = w.at("out");
  mkdirSync(out);
  submitting(dir, w);
  const PASSWORD = "bundle password 2026";
  const app = await open(dir, { CENTREBOOK_TEST_SAVE_DIR: out, CENTREBOOK_TEST_OPEN_BUNDLE: w.at("found-on-a-stick.zip") });
  const b = app.browser;
  let file;
  try {
    await click(b, "#nav-submissions");
    await shown(b, "#no-bundles");
    await (await shown(b, "#b-profile")).selectByAttribute("value", "rtitb");
    await textOf(b, "#b-waiting", (t) => t === "1 result waits to be submitted to RTITB.");
    assert.match(await (await b.$("#b-password-note")).getText(), /separately/);
    // Warned before making it: the rtitb profile asks for a date of birth and a photo, which the
    // course (NI number only) does not collect.
    const gaps = await textOf(b, "#b-gaps", (t) => t.includes("date of birth"));
    assert.match(gaps, /The profile asks for the date of birth: 1 of 1 result\(s\) would go without it — 1 on a course that does not collect it \(FLT-T\)/);
    assert.match(gaps, /photo/);
    assert.doesNotMatch(gaps, /NI number/, "the course collects the NI number and Siân's is recorded");
    await picture(b, "bundle-warnings", "#new-h");

    // The password twice: a short one and two different ones are refused beside the field.
    await fill(b, "#b-password", "short");
    await fill(b, "#b-password2", "short");
    await click(b, "#create-bundle");
    await textOf(b, "#b-password2-error", (t) => /10 characters/.test(t));
    await fill(b, "#b-password", PASSWORD);
    await fill(b, "#b-password2", `${PASSWORD}!`);
    await textOf(b, "#b-password2-error", (t) => /differ/.test(t));
    await fill(b, "#b-password2", PASSWORD);
    await click(b, "#create-bundle");
    const made = await textOf(b, "#bundle-notice", (t) => t.startsWith("Saved"));
    assert.match(made, /1 result for 1 candidate, 0 photos\. It is a password-protected ZIP \(AES-256\) that 7-Zip, WinZip and macOS open: pass the password on separately/);
    await textOf(b, "#b-waiting", (t) => t.startsWith("No results wait"));
    file = readdirSync(out).find((f) => f.startsWith("rtitb-submission-") && f.endsWith(".zip"));
    assert.ok(file, "the bundle was saved");
    assert.ok(!readFileSync(path.join(out, file)).includes("Llewelyn"), "the password-protected bundle is encrypted");
    // A standard AES ZIP: Python's pyzipper opens it with the password and finds the signed manifest.
    const py = spawnSync("python3", ["-c", [
      "import json, os, sys, pyzipper",
      "z = pyzipper.AESZipFile(sys.argv[1]); z.setpassword(os.environ['BUNDLE_PW'].encode())",
      "m = json.loads(z.read('manifest.json'))",
      "print(json.dumps({'names': z.namelist(), 'sig': len(z.read('manifest.sig')), 'kind': m['kind']}))",
    ].join("\n"), path.join(out, file)], { env: { ...process.env, BUNDLE_PW: PASSWORD }, encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const inside = JSON.parse(py.stdout);
    assert.deepEqual([inside.kind, inside.sig], ["bundle", 64]);
    assert.ok(inside.names.includes("manifest.json") && inside.names.includes("rtitb_results.csv"), inside.names.join(", "));

    // Tracked: made → sent → acknowledged with the body's reference.
    const row = "#bundles tbody tr";
    await textOf(b, row, (t) => t.includes("RTITB") && t.includes("Made, not sent"));
    await click(b, `${row} button.mark-sent`);
    await textOf(b, `${row} .status`, (t) => t === "Sent");
    await click(b, `${row} button.mark-ack`);
    await fill(b, "#ack-reference", "ACK-77");
    await click(b, "#confirm-ack");
    await textOf(b, `${row} .status`, (t) => t === "Acknowledged");
    await textOf(b, row, (t) => t.includes("Ref. ACK-77"));

    // Who is affected: the person and the fields held, with the 72-hour note, saved as CSV.
    await click(b, `${row} button.affected`);
    await textOf(b, "#affected-count", (t) => t === "1 person");
    assert.match(await (await b.$("#breach-note")).getText(), /72 hours/);
    const listed = await textOf(b, "#affected-people tbody", (t) => t.includes("Siân Llewelyn"));
    assert.match(listed, /Name, NI number/);
    await click(b, "#save-affected-csv");
    await textOf(b, "#affected-notice", (t) => t.startsWith("Saved"));
    const csvName = readdirSync(out).find((f) => f.startsWith("affected-by-bundle-") && f.endsWith(".csv"));
    const csv = readFileSync(path.join(out, csvName), "utf8");
    assert.match(csv, /^\uFEFF?Candidate id,Name,Fields the bundle held/);
    assert.match(csv, /Siân Llewelyn/);

    // Checked in the window, as a copy found on a USB stick: it needs its password, then is valid.
    copyFileSync(path.join(out, file), w.at("found-on-a-stick.zip"));
    await click(b, "#choose-bundle");
    await textOf(b, "#check-error", (t) => /password/i.test(t));
    await fill(b, "#check-password", PASSWORD);
    await click(b, "#verify-bundle");
    const checked = await textOf(b, "#check-result", (t) => t.startsWith("Valid."));
    assert.match(checked, /Recorded here: this is the file that was made\./);
    assert.match(checked, /password-protected/);
    assert.match(checked, /Signature: valid/);
    // What it holds: the signed manifest, its signature and every file it lists.
    const files = await textOf(b, "#check-files tbody", (t) => t.includes("rtitb_results.csv"));
    for (const f of ["manifest.json", "manifest.sig", "rtitb_results.csv", "summary.pdf"]) assert.ok(files.includes(f), `${f} in ${files}`);
    await picture(b, "bundle-opened", "#check-h");
  } finally {
    await app.stop();
  }

  // The command line accepts the bundle made in the window, and refuses a wrong password.
  const verified = cli(dir, ["--user", "admin", "bundle", "verify", path.join(out, file), "--password-env", "BUNDLE_PW"], { BUNDLE_PW: PASSWORD });
  assert.match(verified, /^valid: bundle /);
  assert.match(verified, /1 results/);
  const wrong = spawnSync(CLI, ["--data-dir", dir, "--user", "admin", "bundle", "verify", path.join(out, file), "--password-env", "BUNDLE_PW"], {
    env: { ...process.env, CENTREBOOK_KEYCHAIN: "off", CENTREBOOK_PASSPHRASE: PASSPHRASE, CENTREBOOK_PASSWORD: ADMIN_PASSWORD, BUNDLE_PW: "not the password" },
    encoding: "utf8",
  });
  assert.equal(wrong.status, 5, wrong.stderr);
  assert.match(wrong.stderr, /password is wrong/);
  w.cleanup();
});

test("a laptop is enrolled in the window, shows the field banner, and its device key registers at the office", async () => {
  const w = workspace();
  const officeDir = w.at("office");
  const laptopDir = w.at("laptop");
  const out = w.at("out");
  mkdirSync(out);
  office(officeDir, w);
  json(officeDir, ["field", "centre-key", "--out", w.at("centre.key")]);
  initStore(laptopDir, "Tess's laptop");
  const app = await open(laptopDir, { CENTREBOOK_TEST_SAVE_DIR: out, CENTREBOOK_TEST_OPEN_CENTRE_KEY: w.at("centre.key") });
  const b = app.browser;
  let fingerprint;
  try {
    // Not yet a field laptop: the office's side, with the way to enrol folded away.
    assert.equal(await (await b.$("#field-banner")).isExisting(), false);
    await click(b, "#nav-field");
    await click(b, "details.card summary");
    await fill(b, "#enrol-label", "Tess's laptop");
    await click(b, "#enrol");
    await textOf(b, "#field-banner", (t) => t.includes("Field laptop for Riverside Plant Training") && t.includes("Tess's laptop"));
    fingerprint = await textOf(b, "#device-fingerprint", (t) => t.length > 0);
    assert.equal(await textOf(b, "#nav-field", (t) => t.length > 0), "Packs and return");
    await click(b, "#save-device-key");
    await textOf(b, "#device-key-notice", (t) => t.startsWith("Saved"));
  } finally {
    await app.stop();
  }
  // The office registers the saved key and sees the same fingerprint the laptop showed.
  const trainer = json(officeDir, ["trainer", "list"]).find((t) => t.name === "Tess Evans");
  const device = json(officeDir, ["field", "device", "add", "--trainer", trainer.id, path.join(out, "centrebook-device.key")]);
  assert.equal(device.fingerprint, fingerprint);
  w.cleanup();
});
