// Correcting a candidate in the real app, and following the correction to everyone who holds the old
// value. Siân has a certificate, a result submitted to RTITB and a line in Acme's training report (all
// made through the command line). Her surname is corrected in the window with a reason: her page lists
// RTITB, Acme and the certificate as owed. "Reissue certificate" clears the certificate; a correction
// bundle made on the Submissions screen clears RTITB; Acme is marked told by phone. "Corrections owed"
// is then empty, and the command line agrees about every item and the new surname.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { addTrainer, ADMIN_PASSWORD, PASSPHRASE, cli, click, fill, go, initStore, launch, picture, scrollTo, shown, signIn, textOf } from "./harness.mjs";

const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));

/** A centre where Siân Llewelyn's pass was certified, submitted to RTITB and reported to Acme. */
function centre(dir, at) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  writeFileSync(at("course.json"), JSON.stringify({
    code: "FLT-T", title: "Counterbalance test", awarding_body: "RTITB", course_type: "test",
    category: "Counterbalance lift truck", length_days: 1, duration_hours: 7, requires: { ni_number: true },
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", at("course.json")]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  // Registered through an import, so no personal value is ever a command-line argument.
  writeFileSync(at("people.csv"), "Forename,Surname,NI number,Employee number\nSiân,Llewelyn,AB123456C,E1042\n");
  json(dir, ["import", "candidates", at("people.csv"), "--employer", "Acme Haulage"]);
  const who = JSON.parse(cli(dir, ["--json", "--user", "admin", "candidate", "search"], {}, "Llewelyn"))[0].id;
  const run = json(dir, ["run", "add", "--course", "FLT-T", "--start", "02/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  json(dir, ["run", "enrol", run, who]);
  json(dir, ["result", "record", run, who, "--component", "Theory", "--mark", "36"]);
  const number = json(dir, ["certificate", "issue", "--run", run, "--date", "03/11/2026"]).issued[0].number;
  json(dir, ["bundle", "create", "--profile", "rtitb", "--out", at("first.zip")]);
  json(dir, ["report", "employer", "Acme Haulage", "--format", "csv", "--out", at("acme.csv")]);
  return { who, number };
}

test("a corrected surname is owed to the awarding body, the employer and the certificate until each is passed on", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-corrections-"));
  const at = (...p) => path.join(base, ...p);
  const dir = at("data");
  const out = at("out");
  mkdirSync(out);
  const { who, number } = centre(dir, at);
  const app = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: out });
  const b = app.browser;
  try {
    await shown(b, "#passphrase");
    await fill(b, "#passphrase", PASSPHRASE);
    await click(b, "#unlock");
    await signIn(b, "admin", ADMIN_PASSWORD);
    await go(b, `candidates/${who}`);
    await shown(b, "#corrections");
    await scrollTo(b, "#corrections");
    await textOf(b, "#owed-none", (t) => t.startsWith("Nothing owed"));

    // The same form as registration, filled in; a changed name asks why, and is refused without.
    await click(b, "#edit-candidate");
    await textOf(b, "h1", (t) => t === "Correct Siân Llewelyn");
    assert.equal(await (await shown(b, "#c-ni_number")).getValue(), "AB123456C");
    assert.equal(await (await b.$("#c-employer_id")).isEnabled(), false, "the employer is changed elsewhere");
    assert.equal(await (await b.$("#c-reason")).isExisting(), false, "nothing changed yet: no reason asked");
    await fill(b, "#c-surname", "Llywelyn");
    await shown(b, "#c-reason");
    await click(b, "#register");
    await textOf(b, "#c-reason-error", (t) => /needed to change a name/.test(t));
    await picture(b, "13-after-correct-form", "#c-reason");
    await (await b.$("#c-reason")).selectByAttribute("value", "rectification_request");
    await click(b, "#register");

    // Back on her page: the three recipients of the old surname, each with what passes it on.
    await textOf(b, "#candidate-name", (t) => t === "Siân Llywelyn");
    await shown(b, "#corrections");
    await scrollTo(b, "#corrections");
    const owed = await textOf(b, "#owed", (t) => t.includes("Acme Haulage"));
    assert.match(owed, /Awarding body: RTITB Ltd \(RTITB\)/);
    assert.match(owed, /Employer: Acme Haulage/);
    assert.match(owed, new RegExp(`Certificate: ${number}`));
    assert.match(owed, /Rectification request/);
    assert.equal((await b.$$("#owed tbody tr")).length, 3);
    await picture(b, "13-after-corrections-waiting", "#corrections");

    // A reissue in place clears the certificate, and its new version carries the new name.
    await click(b, '#owed tr[data-kind="certificate"] button.reissue');
    await textOf(b, "#owed", (t) => !t.includes(number));
    const cert = json(dir, ["certificate", "show", number]);
    assert.equal(cert.version, 2);
    assert.equal(cert.content.candidate_name, "Siân Llywelyn");

    // The correction bundle, made on the Submissions screen, clears the awarding body.
    await click(b, '#owed tr[data-kind="awarding_body"] button.bundle');
    await (await shown(b, "#b-profile")).selectByAttribute("value", "rtitb");
    await textOf(b, "#b-waiting", (t) => /1 .*correct|changed/i.test(t));
    await click(b, "#b-correction");
    await click(b, "#create-bundle");
    await textOf(b, "#bundle-notice", (t) => t.startsWith("Saved"));
    assert.ok(readdirSync(out).some((f) => f.startsWith("rtitb-")), "the correction bundle was saved");

    // Acme is told by phone, with a note; nothing is owed anywhere.
    await go(b, "corrections");
    await textOf(b, "#owed", (t) => t.includes("Acme Haulage") && t.includes("Siân Llywelyn"));
    assert.equal((await b.$$("#owed tbody tr")).length, 1);
    await click(b, '#owed tr[data-kind="employer"] button.told');
    await click(b, "#told-save");
    await textOf(b, "#told-error", (t) => /note/i.test(t));
    await fill(b, "#told-note", "phoned Acme's training manager");
    await click(b, "#told-save");
    await textOf(b, "#owed-none", (t) => t.startsWith("Nothing owed"));
    await click(b, "#owed-all");
    const all = await textOf(b, "#owed", (t) => t.includes("phoned Acme"));
    assert.match(all, /Passed on: certificate reissued/);
    assert.match(all, /Passed on: awarding-body correction submission/);
    await picture(b, "13-after-corrections-owed");
  } finally {
    await app.stop();
  }

  // The command line agrees: nothing owed, three items settled, the surname corrected with its reason.
  assert.deepEqual(json(dir, ["rectification", "list"]), []);
  const all = json(dir, ["rectification", "list", "--all"]);
  assert.deepEqual(all.map((o) => o.state.state).sort(), ["passed_on", "passed_on", "told"]);
  assert.equal(json(dir, ["candidate", "show", who]).surname, "Llywelyn");
  rmSync(base, { recursive: true, force: true });
});
