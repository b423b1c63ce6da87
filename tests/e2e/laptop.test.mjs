// A trainer's laptop in the real app, set up and used through one exchange folder.
//
// The office (data made through the command line) chooses the exchange folder in the window, which
// leaves its centre key there. A fresh laptop's first run asks "office or trainer's laptop?"; the
// laptop path sets up the store from the folder chosen in the real GTK folder dialog (driven with
// xdotool, as dialogs.test.mjs does). Its menu holds only the trainer's screens, and the core refuses
// office work whatever the window offers. The office registers the laptop from the folder, exports
// Tess's run into it, and sees the run out on the laptop: marked in the list, noted on the run page,
// and the results grid closed until "Edit here anyway". The laptop takes the pack from the folder, a
// mark is typed, the return is written to the folder; the office imports it from there and the run
// is back.
//
// Screenshots go to SHOTS_DIR when set (the closing note's before/after pictures).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { dialogTitled, enterFolder, press, withoutBypasses, xdotool } from "./dialogs.mjs";
import { addTrainer, addCandidate, ADMIN_PASSWORD, cli, CLI, click, fill, go, initStore, launch, PASSPHRASE, picture, shown, signIn, textOf } from "./harness.mjs";

const json = (dir, args, env = {}) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args], env));
const TESS_PASSWORD = "tess laptop password";


/** An office with a course (Theory out of 40), Tess (trainer, with an account) and her run of two. */
function office(dir, at) {
  initStore(dir, "Riverside Plant Training");
  const course = at("course.json");
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
  for (const [forename, surname] of [["Siân", "Llewelyn"], ["Bob", "Ray"]]) {
    people[forename] = addCandidate(dir, { forename, surname, employer: "Acme Haulage" }).candidate.id;
  }
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "16/11/2026", "--end", "18/11/2026", "--employer", "Acme Haulage", "--trainer", "Tess Evans"]).id;
  for (const id of Object.values(people)) json(dir, ["run", "enrol", run, id]);
  return { run, people };
}

async function openOffice(dir, env) {
  const app = await launch(dir, env);
  await fill(app.browser, "#passphrase", PASSPHRASE);
  await click(app.browser, "#unlock");
  await signIn(app.browser, "admin", ADMIN_PASSWORD);
  return app;
}

const navLabels = (b) => b.execute(() => [...document.querySelectorAll('nav[aria-label="Main"] ul a')].map((a) => a.textContent.trim()));

test("a laptop set up from the exchange folder shows only the trainer's work, and the office sees its run out", async () => {
  assert.ok(xdotool("version").ok, "xdotool is needed to drive the folder dialog (apt-get install xdotool)");
  const base = mkdtempSync(path.join(os.tmpdir(), "centrebook-e2e-laptop-"));
  const at = (...p) => path.join(base, ...p);
  const officeDir = at("office");
  const laptopDir = at("laptop");
  const stick = at("USB stick");
  mkdirSync(stick);
  const { run, people } = office(officeDir, at);

  // The office chooses the exchange folder: the centre key is left there.
  let app = await openOffice(officeDir, { CENTREBOOK_TEST_FOLDER: stick });
  let b = app.browser;
  let centreFingerprint;
  try {
    await click(b, "#nav-field");
    await shown(b, "#no-folder");
    await click(b, "#choose-folder");
    const notice = await textOf(b, "#folder-notice", (t) => t.includes("centre key"));
    centreFingerprint = notice.match(/shows the centre's key as (.+)\.$/)[1];
    assert.equal(await textOf(b, "#exchange-folder", (t) => t.length > 0), stick);
    await shown(b, "#no-folder-laptops");
  } finally {
    await app.stop();
  }
  assert.ok(readdirSync(stick).includes("centrebook-centre.key"));

  // A fresh laptop: office or laptop? The laptop path, its folder chosen in the real dialog.
  app = await launch(laptopDir, withoutBypasses());
  b = app.browser;
  let deviceFingerprint;
  try {
    await shown(b, "#choose-laptop");
    assert.match(await (await b.$("h2#which-h")).getText(), /office or a trainer's laptop/);
    assert.equal(await (await b.$("#centre")).isExisting(), false, "no centre to set up before the choice");
    await picture(b, "after-first-run");
    await click(b, "#choose-laptop");
    assert.equal(await (await b.$("#centre")).isExisting(), false, "a laptop names no centre: the key does");
    await fill(b, "#label", "Tess's laptop");
    await fill(b, "#admin", "tess");
    await fill(b, "#password", TESS_PASSWORD);
    await fill(b, "#password2", TESS_PASSWORD);
    await fill(b, "#passphrase", PASSPHRASE);
    await fill(b, "#passphrase2", PASSPHRASE);
    await picture(b, "after-first-run-laptop");
    await press(b, "#create-laptop");
    const dialog = await dialogTitled("Choose the exchange folder the office uses (USB stick or shared folder)");
    await enterFolder(dialog, stick);
    await textOf(b, "#recovery-key", (t) => t.length > 0, 30000);
    await click(b, "#stored");
    await click(b, "#continue");

    // Its menu: only the trainer's screens; the banner names the centre from the key.
    await textOf(b, "#field-banner", (t) => t.includes("Field laptop for Riverside Plant Training") && t.includes("Tess's laptop"));
    assert.deepEqual(await navLabels(b), ["My course runs", "Packs and return"]);
    for (const office of ["candidates", "employers", "import", "users", "certificates", "submissions", "returns", "trainers"]) {
      assert.equal(await (await b.$(`#nav-${office}`)).isExisting(), false, `no ${office} on a laptop`);
    }
    await picture(b, "after-laptop-menu");
    // An office screen asked for by address is not shown either.
    await go(b, "candidates/new");
    await shown(b, "#office-only");
    await click(b, "#nav-field");
    deviceFingerprint = await textOf(b, "#device-fingerprint", (t) => t.length > 0);
    assert.equal(await textOf(b, "#trusted-fingerprint", (t) => t.length > 0), centreFingerprint);
    assert.equal(await textOf(b, "#exchange-folder", (t) => t.length > 0), stick);
    await picture(b, "after-laptop-field");
  } finally {
    await app.stop();
  }
  assert.ok(readdirSync(stick).some((f) => f.startsWith("laptop-") && f.endsWith(".key")), "the laptop left its key");

  // The core refuses office work on the laptop, whatever the window offers.
  const refused = spawnSync(CLI, ["--data-dir", laptopDir, "--user", "tess", "employer", "add", "--name", "Elsewhere Ltd"], {
    env: { ...process.env, CENTREBOOK_KEYCHAIN: "off", CENTREBOOK_PASSPHRASE: PASSPHRASE, CENTREBOOK_PASSWORD: TESS_PASSWORD },
    encoding: "utf8",
  });
  assert.equal(refused.status, 4, refused.stderr);
  assert.match(refused.stderr, /trainer's laptop/);

  // The office registers the laptop from the folder, exports Tess's run into it, and sees it out.
  app = await openOffice(officeDir, { CENTREBOOK_TEST_FOLDER: stick });
  b = app.browser;
  try {
    await click(b, "#nav-field");
    const row = "#folder-laptops tbody tr";
    const found = await textOf(b, row, (t) => t.includes("Tess's laptop"));
    assert.ok(found.includes(deviceFingerprint), `${found} should show ${deviceFingerprint}`);
    await (await shown(b, `${row} select.folder-trainer`)).selectByVisibleText("Tess Evans");
    await click(b, `${row} button.register-folder`);
    await textOf(b, "#folder-notice", (t) => t.startsWith("Registered Tess's laptop for Tess Evans"));
    await textOf(b, row, (t) => t.includes("Registered to Tess Evans"));
    await (await shown(b, "#p-trainer")).selectByVisibleText("Tess Evans");
    await click(b, `input.pack-run[value="${run}"]`);
    await click(b, "#export-pack-folder");
    await textOf(b, "#pack-notice", (t) => t.startsWith(`Saved ${stick}`) && t.includes("1 course run, 2 candidates"));

    await click(b, "#nav-runs");
    await textOf(b, "#runs .out-on-laptop", (t) => t === "On Tess's laptop");
    await picture(b, "after-office-runs");
    await go(b, `runs/${run}`);
    await textOf(b, "#run-out", (t) => t.includes("Out on Tess's laptop") && t.includes("Tess Evans"));
    await go(b, `runs/${run}/results`);
    await textOf(b, "#out-warning", (t) => t.includes("This run is out on Tess's laptop"));
    const bob = 'input[aria-label="Theory for Bob Ray"]';
    assert.equal(await (await shown(b, bob)).isEnabled(), false, "closed until the person says they mean it");
    await picture(b, "after-office-warning");
    await click(b, "#edit-anyway");
    await b.waitUntil(async () => (await b.$(bob)).isEnabled(), { timeout: 5000, timeoutMsg: "the grid stayed closed" });
    assert.equal(await (await b.$("#edit-anyway")).isExisting(), false);
  } finally {
    await app.stop();
  }
  assert.ok(readdirSync(stick).some((f) => f.startsWith("fieldpack-") && f.endsWith(".cbf")), "the pack is in the folder");

  // The laptop: the pack from the folder, a mark typed, the return written to the folder.
  app = await launch(laptopDir);
  b = app.browser;
  try {
    await fill(b, "#passphrase", PASSPHRASE);
    await click(b, "#unlock");
    await signIn(b, "tess", TESS_PASSWORD);
    await click(b, "#nav-field");
    await click(b, "#import-packs-folder");
    await textOf(b, "#laptop-notice", (t) => t === "Field pack imported: 1 course run, 2 candidates, 0 with results so far.");
    await click(b, "#nav-runs");
    await textOf(b, "#runs tbody", (t) => t.includes("Counterbalance lift truck, novice"));
    await picture(b, "after-laptop-runs");
    await go(b, `runs/${run}/results`);
    assert.equal(await (await b.$("#out-warning")).isExisting(), false, "the laptop is where the run is out to");
    await fill(b, 'input[aria-label="Theory for Siân Llewelyn"]', "35");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    await click(b, "#nav-field");
    await click(b, "#export-return-folder");
    await textOf(b, "#return-notice", (t) => t.startsWith(`Saved ${stick}`) && t.includes("1 candidate: 1 with attendance recorded, 1 with results"));
    await picture(b, "after-laptop-return", "#return-notice");
  } finally {
    await app.stop();
  }
  assert.ok(readdirSync(stick).some((f) => f.startsWith("return-") && f.endsWith(".cbr")), "the return is in the folder");

  // The office imports the returns in the folder: Siân's mark is in and the run is back.
  app = await openOffice(officeDir);
  b = app.browser;
  try {
    await click(b, "#nav-returns");
    await click(b, "#import-returns-folder");
    await textOf(b, "#return-import-notice", (t) => t.includes("Return applied"));
    await click(b, "#nav-runs");
    await textOf(b, "#runs tbody", (t) => t.includes("Counterbalance lift truck, novice"));
    assert.equal(await (await b.$("#runs .out-on-laptop")).isExisting(), false, "back from the laptop");
  } finally {
    await app.stop();
  }
  const sian = json(officeDir, ["result", "show", run, people.Siân]);
  assert.equal(sian.components[0].score.mark, 35);
  rmSync(base, { recursive: true, force: true });
});
