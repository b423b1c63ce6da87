// Objection, marketing consent and guardian consent in the real app. Kit Younghusband (15 when the
// run starts) is made through the command line, with an RTITB course whose body requires a guardian's
// consent for under-16s. On Kit's page an admin gives email consent (the source typed), withdraws
// it (the history shows both), records an objection (giving post consent is then refused with the
// core's words), lifts it; on the run's page Kit's enrolment is refused naming the guardian's
// consent; it is recorded on Kit's page; the enrolment then goes through.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, addTrainer, ADMIN_PASSWORD, PASSPHRASE, cli, click, fill, go, initStore, launch, picture, shown, signIn, textOf } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

function centre(dir, at) {
  initStore(dir, "Riverside Plant Training");
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  json(dir, ["body", "guardian-rule", "RTITB"]);
  writeFileSync(at("course.json"), JSON.stringify({
    code: "FLT-T", title: "Counterbalance test", awarding_body: "RTITB", course_type: "test",
    category: "Counterbalance lift truck", length_days: 1, duration_hours: 7,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", at("course.json")]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  // 15 on the run's first day.
  const who = addCandidate(dir, { forename: "Kit", surname: "Younghusband", date_of_birth: "03/11/2011" }).candidate.id;
  const run = json(dir, ["run", "add", "--course", "FLT-T", "--start", "02/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  return { who, run };
}

async function consent(b, button, source) {
  await click(b, button);
  await fill(b, "#consent-source", source);
  await click(b, "#save-consent");
}

test("an objection refuses marketing consent, consent is given and withdrawn with its history, and an under-16 waits for a guardian's consent", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-consent-"));
  const at = (...p) => path.join(base, ...p);
  const dir = at("data");
  const { who, run } = centre(dir, at);
  const app = await launch(dir);
  const b = app.browser;
  try {
    await shown(b, "#passphrase");
    await fill(b, "#passphrase", PASSPHRASE);
    await click(b, "#unlock");
    await signIn(b, "admin", ADMIN_PASSWORD);
    await go(b, `candidates/${who}`);
    await textOf(b, "#objection-state", (t) => t.includes("No objection"));
    await textOf(b, "#consent-email", (t) => t.includes("Never asked"));

    // Email consent given, then withdrawn: the history keeps both, newest first.
    await consent(b, "#give-email", "ticked the box on the booking form");
    await textOf(b, "#consent-email", (t) => t.includes("Given") && t.includes("booking form"));
    await consent(b, "#withdraw-email", "phoned to opt out");
    await textOf(b, "#consent-email", (t) => t.includes("Withdrawn"));
    const history = await textOf(b, "#consent-history", (t) => t.includes("phoned to opt out"));
    const lines = await Promise.all(await b.$$("#consent-history li").map((li) => li.getText()));
    assert.equal(lines.length, 2, history);
    assert.match(lines[0], /Email withdrawn — phoned to opt out/);
    assert.match(lines[1], /Email given — ticked the box on the booking form/);
    await picture(b, "consent-history", "#consent");

    // An objection: giving consent on post is refused by the core, with its words.
    await click(b, "#object");
    await fill(b, "#objection-reason", "does not want any mailings");
    await click(b, "#save-objection");
    await textOf(b, "#objection-state", (t) => t.includes("Objects") && t.includes("does not want any mailings"));
    await click(b, "#give-post");
    await fill(b, "#consent-source", "letter");
    await click(b, "#save-consent");
    const refused = await textOf(b, "#consent-error", (t) => t.length > 0);
    assert.match(refused, /objection/i);
    await picture(b, "consent-refused-by-objection");
    await b.keys("Escape");
    await textOf(b, "#consent-post", (t) => t.includes("Never asked"));
    await click(b, "#lift-objection");
    await fill(b, "#objection-reason", "asked to hear about courses again");
    await click(b, "#save-objection");
    await textOf(b, "#objection-state", (t) => t.includes("No objection"));
    await textOf(b, "#consent-history", (t) => t.includes("lifted") && t.includes("asked to hear about courses again"));

    // Under 16, on a course whose body requires a guardian's consent: refused until it is recorded.
    await textOf(b, "#guardian-state", (t) => t.includes("None recorded"));
    await go(b, `runs/${run}`);
    await fill(b, "#enrol-search", "youngh");
    await click(b, "button.enrol");
    const error = await textOf(b, "#error", (t) => t.length > 0);
    assert.match(error, /guardian/i);
    await picture(b, "under-16-refused");
    await go(b, `candidates/${who}`);
    await click(b, "#record-guardian");
    await fill(b, "#guardian-name", "Gwen Younghusband");
    await fill(b, "#guardian-relationship", "mother");
    await fill(b, "#guardian-how", "signed booking form");
    await fill(b, "#guardian-on", "01/10/2026");
    await click(b, "#save-guardian");
    await textOf(b, "#guardian-state", (t) => t.includes("Gwen Younghusband (mother)"));
    await picture(b, "guardian-recorded", "#consent");
    await go(b, `runs/${run}`);
    await fill(b, "#enrol-search", "youngh");
    await click(b, "button.enrol");
    await textOf(b, "#enrolments", (t) => t.includes("Younghusband, Kit"));

    // The command line agrees.
    const state = json(dir, ["candidate", "consent", who]);
    assert.equal(state.history.length, 2);
    assert.equal(state.objection, null);
  } finally {
    await app.stop();
    rmSync(base, { recursive: true, force: true });
  }
});
