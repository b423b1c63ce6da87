// A person's rights in the real app. Siân Llewelyn has a pass with its certificate and a photo (made
// through the command line). On her page an admin records her request for a copy of her data (the
// Requests screen lists it, open, with its due date), logs a phone call to the HSE, then makes the copy
// with "Copy of their data": the password typed twice (a mismatch is refused), the save dialog answered
// by the test folder. The copy is opened with the command line: it holds her record, certificate and
// photo, and the disclosure log (her page, and `disclosure affected FILE`) names it. The request is
// then closed on the Requests screen.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, ADMIN_PASSWORD, PASSPHRASE, cli, click, fill, go, initStore, launch, picture, scrollTo, shown, signIn, textOf } from "./harness.mjs";

const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));
const COPY_PASSWORD = "her own long password";

function centre(dir, at) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  writeFileSync(at("course.json"), JSON.stringify({
    code: "FLT-T", title: "Counterbalance test", awarding_body: "RTITB", course_type: "test",
    category: "Counterbalance lift truck", length_days: 1, duration_hours: 7,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", at("course.json")]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const who = addCandidate(dir, { forename: "Siân", surname: "Llewelyn", employer: "Acme Haulage",
    ni_number: "AB123456C", date_of_birth: "14/03/1988" }).candidate.id;
  const run = json(dir, ["run", "add", "--course", "FLT-T", "--start", "02/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  json(dir, ["run", "enrol", run, who]);
  json(dir, ["result", "record", run, who, "--component", "Theory", "--mark", "36"]);
  const number = json(dir, ["certificate", "issue", "--run", run, "--date", "03/11/2026"]).issued[0].number;
  return { who, number };
}

test("a copy of her data is made in the window, opened and checked, and logged; her request is listed and closed", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-rights-"));
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
    await shown(b, "#rights");
    await textOf(b, "#no-disclosures", (t) => t.startsWith("Nothing about them"));

    // Her request, received today: the due date is the core's, one month on.
    await click(b, "#record-request");
    await (await shown(b, "#request-kind")).selectByAttribute("value", "access");
    await fill(b, "#request-identity", "passport seen at reception");
    await click(b, "#save-request");
    const notice = await textOf(b, "#candidate-notice", (t) => t.includes("request recorded"));
    assert.match(notice, /due by \d\d\/\d\d\/\d{4}/);
    await picture(b, "candidate-request-recorded");
    await go(b, "requests");
    const listed = await textOf(b, "#requests", (t) => t.includes("Siân Llewelyn"));
    assert.match(listed, /Copy of their data/);
    assert.match(listed, /passport seen at reception/);
    assert.match(listed, /\d+ days? left/);
    await picture(b, "requests-open");

    // A phone call to the HSE, logged by hand.
    await go(b, `candidates/${who}`);
    await click(b, "#log-disclosure");
    await fill(b, "#told-recipient", "HSE inspector J. Smith");
    await fill(b, "#told-purpose", "accident at Yard 2");
    await fill(b, "#told-fields", "name, training record");
    await click(b, "#save-disclosure");
    await textOf(b, "#disclosure-history", (t) => t.includes("HSE inspector J. Smith"));

    // The copy: two different passwords are refused, then the same one twice saves it.
    await click(b, "#subject-copy");
    await fill(b, "#copy-password", COPY_PASSWORD);
    await fill(b, "#copy-password-again", "something else entirely");
    await click(b, "#save-copy");
    await textOf(b, "#copy-error", (t) => t.includes("differ"));
    await fill(b, "#copy-password", COPY_PASSWORD);
    await fill(b, "#copy-password-again", COPY_PASSWORD);
    await picture(b, "subject-copy-dialog");
    await click(b, "#save-copy");
    await textOf(b, "#candidate-notice", (t) => t.includes("Copy of their data saved"), 60000);
    const history = await textOf(b, "#disclosure-history", (t) => t.includes("Copy of their data"));
    assert.match(history, /the person themselves/);
    await picture(b, "candidate-rights", "#rights");

    // Opened outside the window with the command line: the password, the signature, every hash.
    const saved = readdirSync(out).filter((f) => f.endsWith(".cbsealed"));
    assert.equal(saved.length, 1, `${readdirSync(out)}`);
    const file = path.join(out, saved[0]);
    assert.ok(!readFileSync(file).includes("Llewelyn"), "sealed, not readable");
    const data = JSON.parse(cli(dir, ["--user", "admin", "subject", "open", file, "--password-env", "COPY_PASSWORD"], { COPY_PASSWORD }));
    assert.equal(data.format, "centrebook.subject-copy");
    assert.equal(data.record.ni_number, "AB123456C");
    assert.equal(data.certificates[0].number, number);
    assert.ok(data.files.some((f) => f.path === data.certificates[0].pdf), "the issued PDF is inside");
    assert.ok(data.disclosures.some((d) => d.recipient === "HSE inspector J. Smith"), "her disclosure history");
    assert.ok(data.requests.some((r) => r.kind === "access" && r.status === "open"), "her open request");
    const folder = at("opened");
    cli(dir, ["--user", "admin", "subject", "open", file, "--password-env", "COPY_PASSWORD", "--out", folder], { COPY_PASSWORD });
    assert.ok(readdirSync(folder).includes("summary.pdf"));
    assert.throws(() => cli(dir, ["--user", "admin", "subject", "open", file, "--password-env", "P"], { P: "not her password at all" }));
    const affected = json(dir, ["disclosure", "affected", file]);
    assert.equal(affected.disclosure.output, "subject_copy");
    assert.deepEqual(affected.people.map((p) => p.name), ["Siân Llewelyn"]);

    // The request answered: closed on the Requests screen, gone from the open list.
    await go(b, "requests");
    await click(b, ".close-request");
    await fill(b, "#close-note", "copy handed over, password given by phone");
    await click(b, "#confirm-close");
    await textOf(b, "#no-requests", (t) => t === "No open requests.");
    const closed = json(dir, ["request", "list", "--all"]);
    assert.equal(closed[0].outcome, "completed");
  } finally {
    await app.stop();
    rmSync(base, { recursive: true, force: true });
  }
});
