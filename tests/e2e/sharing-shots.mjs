// Screenshots of the sharing screens, called from screenshots.mjs (ONLY_SHARING=1 takes only these):
// - submissions: the demo centre (a copy of DEMO_DIR) with three bundles made through the command
//   line, one sent and one acknowledged, and a breach listing open;
// - returns: an office and a trainer's laptop set up from scratch through the command line, a
//   return applied with two conflicts waiting side by side; then the office's Field work screen and
//   the laptop's (field mode).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { addTrainer, addCandidate, ADMIN_PASSWORD, PASSPHRASE, cli, click, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

async function submissions(shot, passphrase, password) {
  const { dir, cleanup } = tempDataDir();
  cpSync(process.env.DEMO_DIR, dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), "centrebook-shots-"));
  const env = { CENTREBOOK_PASSPHRASE: passphrase, CENTREBOOK_PASSWORD: password, BUNDLE_PW: "a password passed on by phone" };
  const run = (args) => cli(dir, ["--user", "admin", ...args], env);
  const made = (args) => JSON.parse(run(["--json", ...args]));
  const ids = [];
  for (const [profile, extra] of [["lantra", []], ["wamitab", []], ["rtitb", ["--password-env", "BUNDLE_PW"]]]) {
    const r = made(["bundle", "create", "--profile", profile, "--out", path.join(work, `${profile}-submission.zip`), ...extra]);
    if (r.bundle) ids.push(r.bundle.id);
  }
  if (ids[0]) run(["bundle", "mark-acknowledged", ids[0], "--reference", "LA-ACK-20931"]);
  if (ids[1]) run(["bundle", "mark-sent", ids[1]]);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b, passphrase, password);
    await go(b, "submissions");
    await shown(b, "#bundles tbody tr");
    await (await shown(b, "#b-profile")).selectByAttribute("value", "rtitb");
    await shown(b, "#b-waiting");
    // The list is the point of this picture: the form's password boxes scroll away above it.
    await b.execute(() => document.querySelector("#b-password-note")?.scrollIntoView({ block: "start" }));
    await shot("submissions");
    await click(b, "#bundles tbody tr:last-child button.affected");
    await shown(b, "#affected-people tbody tr");
    await shot("submissions-affected");
  } finally {
    await stop();
    cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

async function returns(shot) {
  const work = mkdtempSync(path.join(os.tmpdir(), "centrebook-shots-"));
  const at = (...p) => path.join(work, ...p);
  const office = at("office");
  const laptop = at("laptop");
  const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));
  initStore(office, "Riverside Plant Training");
  initStore(laptop, "Tess's laptop");
  writeFileSync(at("course.json"), JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: null, course_type: "training",
    category: "Counterbalance lift truck", length_days: 3, duration_hours: 21, validity_months: 36,
    components: [
      { name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } },
      { name: "Practical", rule: { kind: "faults", max_minor_faults: 5, max_major_faults: 0 } },
    ],
  }));
  json(office, ["course", "add", at("course.json")]);
  json(office, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  json(office, ["user", "add", "tess", "--role", "trainer"], { CENTREBOOK_NEW_PASSWORD: "trainer password 1" });
  json(office, ["user", "add", "olly", "--role", "office"], { CENTREBOOK_NEW_PASSWORD: "office password 1" });
  const trainer = addTrainer(office, { name: "Tess Evans", username: "tess" });
  const people = {};
  for (const [forename, surname] of [["Siân", "Llewelyn"], ["Bob", "Ray"], ["Priya", "Shah"]]) {
    people[forename] = addCandidate(office, { forename, surname, employer: "Acme Haulage" }).candidate.id;
  }
  const runId = json(office, ["run", "add", "--course", "FLT-CB", "--start", "16/11/2026", "--end", "18/11/2026", "--employer", "Acme Haulage", "--trainer", "Tess Evans"]).id;
  for (const id of Object.values(people)) json(office, ["run", "enrol", runId, id]);
  json(office, ["field", "centre-key", "--out", at("centre.key")]);
  json(laptop, ["field", "enrol", "--centre-key", at("centre.key"), "--name", "Tess's laptop"]);
  json(laptop, ["field", "device-key", "--out", at("device.key")]);
  json(office, ["field", "device", "add", "--trainer", trainer[0]?.id ?? trainer.id, at("device.key")]);
  json(office, ["fieldpack", "export", "--run", runId, "--out", at("pack.cbf")]);
  json(laptop, ["fieldpack", "import", at("pack.cbf")]);
  const record = (dir, who, args, env) => json(dir, ["result", "record", runId, people[who], ...args], env);
  const asOlly = { CENTREBOOK_PASSWORD: "office password 1" };
  const olly = (args) => JSON.parse(cli(office, ["--json", "--user", "olly", ...args], asOlly));
  record(laptop, "Siân", ["--component", "Theory", "--mark", "35"]);
  record(laptop, "Siân", ["--component", "Practical", "--faults", "1,0"]);
  record(laptop, "Bob", ["--component", "Theory", "--mark", "28"]);
  record(laptop, "Priya", ["--component", "Practical", "--faults", "2,0"]);
  olly(["result", "record", runId, people.Bob, "--component", "Theory", "--mark", "31"]);
  olly(["result", "record", runId, people.Priya, "--component", "Practical", "--faults", "3,1"]);
  json(laptop, ["return", "export", "--out", at("return.cbr")]);

  const { browser: b, stop } = await launch(office, { CENTREBOOK_TEST_OPEN_RETURN: at("return.cbr") });
  try {
    await unlockAndSignIn(b, PASSPHRASE, ADMIN_PASSWORD);
    await go(b, "returns");
    await click(b, "#import-return");
    await textOf(b, "#return-import-notice", (t) => t.includes("Return applied"));
    await shown(b, "#conflicts article.conflict");
    await shot("returns-conflicts");
    await go(b, "field");
    await (await shown(b, "#p-trainer")).selectByVisibleText("Tess Evans");
    await shown(b, "input.pack-run");
    await shot("field-work");
  } finally {
    await stop();
  }
  const laptopApp = await launch(laptop);
  try {
    await unlockAndSignIn(laptopApp.browser, PASSPHRASE, ADMIN_PASSWORD);
    await go(laptopApp.browser, "field");
    await shown(laptopApp.browser, "#device-fingerprint");
    await shot("field-laptop");
  } finally {
    await laptopApp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The sharing screens; `shot(name)` takes one picture of the screen. */
export async function sharingShots(shot, passphrase, password) {
  await submissions(shot, passphrase, password);
  await returns(shot);
}
