// Screenshots of the words and formats a clerk reads (issue 15, point 8): the candidate page's facts
// and audit trail, the certificate status, an employer's phone, the sidebar's centre name, the
// duplicate offer, the import's advice, and the employer report PDF. Not a test; run before and after
// a change to compare:
//
//   cd tests/e2e && SHOTS_DIR=/work/shots/words SHOTS_PREFIX=before- xvfb-run -a node words-shots.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { addCandidate, cli, click, fill, go, scrollTo, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const out = process.env.SHOTS_DIR ?? "/tmp/words-shots";
const prefix = process.env.SHOTS_PREFIX ?? "";
mkdirSync(out, { recursive: true });
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function shot(b, name) {
  await pause(800);
  await b.saveScreenshot(path.join(out, `${prefix}${name}.png`));
  console.log(`${prefix}${name}.png`);
}

const { dir, cleanup } = tempDataDir();
try {
  initStore(dir, "Riverside Plant and Forklift Training Centre, Northern Region");
  cli(dir, ["--user", "admin", "demo", "--candidates", "60", "--photos", "0"]);
  const employers = JSON.parse(cli(dir, ["--user", "admin", "--json", "employer", "list", ""]));
  const [employer, other] = [employers[0].name, employers[1].name];
  const sam = addCandidate(dir, { forename: "Sam", surname: "Jones", employer, employee_number: "E1042",
    ni_number: "AB123456C", date_of_birth: "14/03/1990", postcode: "LS1 4AP", mobile: "07700 900123" });
  cli(dir, ["--user", "admin", "candidate", "move", sam.candidate.id, "--employer", other, "--employee-number", "K77"]);
  // A course run with a result, so the trail holds an enrolment, attendance and scores.
  const course = path.join(path.dirname(dir), "course.json");
  writeFileSync(course, JSON.stringify({
    code: "WRD-CB", title: "Counterbalance lift truck", course_type: "test", category: "Counterbalance lift truck",
    length_days: 1, duration_hours: 7, components: [
      { name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } },
      { name: "Practical", rule: { kind: "faults", max_minor_faults: 3, max_major_faults: 0 } }],
  }));
  cli(dir, ["--user", "admin", "course", "add", course]);
  const run = JSON.parse(cli(dir, ["--json", "--user", "admin", "run", "add", "--course", "WRD-CB", "--start", "02/11/2026", "--venue", "Yard 2"])).id;
  cli(dir, ["--user", "admin", "run", "enrol", run, sam.candidate.id]);
  cli(dir, ["--user", "admin", "result", "record", run, sam.candidate.id, "--component", "Theory", "--mark", "34"]);
  cli(dir, ["--user", "admin", "result", "record", run, sam.candidate.id, "--component", "Practical", "--faults", "4,0"]);
  const csv = path.join(path.dirname(dir), "staff.csv");
  writeFileSync(csv, "First name,Last name,Staff ID\nAmir,Khan,S1\nBeth,Lowe,S2\n");
  const pdf = path.join(path.dirname(dir), "report.pdf");
  cli(dir, ["--user", "admin", "report", "employer", other, "--out", pdf]);
  execFileSync("pdftoppm", ["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", pdf, path.join(out, `${prefix}report-pdf`)]);
  const reportCsv = path.join(path.dirname(dir), "report.csv");
  cli(dir, ["--user", "admin", "report", "employer", other, "--format", "csv", "--out", reportCsv]);
  execFileSync("cp", [reportCsv, path.join(out, `${prefix}report.csv`)]);

  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_IMPORT_FILE: csv });
  try {
    await b.setWindowSize(1100, 760);
    await unlockAndSignIn(b);
    await go(b, `candidates/${sam.candidate.id}`);
    await shown(b, "#candidate-facts");
    await shown(b, "#audit");
    await shot(b, "candidate");
    await scrollTo(b, "#audit-h");
    await shot(b, "audit-trail");

    await go(b, "certificates");
    await shown(b, "#certificates tbody tr[data-number]");
    await shot(b, "certificates");
    await click(b, "#certificates tbody tr[data-number] a");
    await shown(b, "#certificate-facts");
    await shot(b, "certificate");

    await go(b, "employers");
    await click(b, "#employers tbody a");
    await shown(b, "#employer-name");
    await shot(b, "employer");

    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Sam");
    await fill(b, "#c-surname", "Jones");
    await fill(b, "#c-ni_number", "AB 12 34 56 C");
    await click(b, "#register");
    await shown(b, "#duplicates", 10000).catch(() => {});
    await shot(b, "duplicate-offer");

    await go(b, "import");
    await click(b, "#choose-import-file");
    await shown(b, "#fates");
    await textOf(b, "#fates", (t) => t.includes("employee number"));
    await scrollTo(b, "#fates-h");
    await shot(b, "import-advice");
  } finally {
    await stop();
  }
} finally {
  cleanup();
}
