// Screenshots of the main screens from the real app, for the README and for looking at the UI as a
// person would. Not a test. Run under Xvfb with a screen the size of the window, on a demo centre:
//
//   target/debug/centrebook --data-dir /tmp/demo init ... && target/debug/centrebook --data-dir /tmp/demo --user admin demo
//   cd tests/e2e && DEMO_DIR=/tmp/demo xvfb-run -a -s "-screen 0 1100x720x24" node screenshots.mjs
//
// DEMO_DIR is copied first, so it is not changed. GTK_THEME=Adwaita:dark gives the dark screens.
// ONLY_ADMIN=1 takes only the administration screens (users, import dry run, backup, photo framing).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cli, click, fill, go, scrollTo, launch, shown, signIn, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";
import { sharingShots } from "./sharing-shots.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = process.env.SHOTS_DIR ?? path.join(root, "assets/screenshots");
const suffix = process.env.SHOTS_SUFFIX ?? "";
const passphrase = process.env.DEMO_PASSPHRASE ?? "demo passphrase 2026";
const password = process.env.DEMO_PASSWORD ?? "demo-admin-pass";
mkdirSync(out, { recursive: true });

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
async function shot(name) {
  await pause(1500);
  execFileSync("import", ["-window", "root", path.join(out, `${name}${suffix}.png`)]);
  console.log(`${name}${suffix}.png`);
}

/** A copy of DEMO_DIR to work on, so the demo centre itself is not changed. */
function demoCopy() {
  const copy = tempDataDir();
  cpSync(process.env.DEMO_DIR, copy.dir, { recursive: true });
  return copy;
}

async function firstRun() {
  const { dir, cleanup } = tempDataDir();
  const { browser: b, stop } = await launch(dir);
  try {
    await click(b, "#choose-office");
    await fill(b, "#centre", "Riverside Plant Training");
    await shot("first-run");
  } finally {
    await stop();
    cleanup();
  }
}

async function tour() {
  const { dir, cleanup } = demoCopy();
  const { browser: b, stop } = await launch(dir);
  try {
    await shown(b, "#passphrase");
    await shot("locked");
    await fill(b, "#passphrase", passphrase);
    await click(b, "#unlock");
    await shown(b, "#sign-in");
    await fill(b, "#username", "admin");
    await shot("sign-in");
    await signIn(b, "admin", password);
    await go(b, "candidates");
    await textOf(b, "[role=status]", (t) => t.endsWith("candidates"));
    await shot("candidates");
    await fill(b, "#candidate-search", "jon");
    await textOf(b, "[role=status]", (t) => t.includes("found"));
    await shot("candidate-search");
    await click(b, ".result");
    await shown(b, "#candidate-name");
    await shot("candidate");
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Sam");
    await fill(b, "#c-surname", "Jones");
    await fill(b, "#c-ni_number", "QQ 12");
    await fill(b, "#c-email", "sam@");
    await click(b, "#register");
    await shown(b, "#c-ni_number-error");
    await shot("register-errors");
    await go(b, "employers");
    await shown(b, "#employers tbody a");
    await shot("employers");
    await click(b, "#employers tbody a");
    await shown(b, "#employer-name");
    await shot("employer");
    await go(b, "courses");
    await shown(b, "#courses tbody tr");
    await shot("courses");
    await go(b, "runs");
    await shown(b, "#runs tbody a");
    await shot("runs");
    // A run already held (the first few are booked ahead), so it has results to show.
    await click(b, "#runs tbody tr:nth-child(6) a");
    await shown(b, "#run-title");
    await shot("run");
    await click(b, "#enter-results");
    await shown(b, "table.grid");
    const first = await b.$('input[data-row="0"][data-col="0"]');
    if (await first.isExisting()) await first.click();
    await shot("results");
    await click(b, "button.override");
    await fill(b, "#ov-reason", "Practical re-assessed after an equipment fault");
    await shot("override");
    await b.keys("Escape");
    await go(b, "settings");
    await shown(b, "#s-name");
    await shot("settings");
  } finally {
    await stop();
    cleanup();
  }
}

// The certificate screens on the demo centre's issued certificates: the list, one certificate, and
// the Verify screen checking that certificate's QR text.
async function documents() {
  const { dir, cleanup } = demoCopy();
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b, passphrase, password);
    await go(b, "certificates");
    await shown(b, "#certificates tbody tr[data-number]");
    await shot("certificates-list");
    await click(b, "#certificates tbody tr[data-number] a");
    await shown(b, "#certificate-facts");
    await shot("certificate-page");
    const qr = await b.execute(() => document.querySelector("#qr-text")?.textContent ?? "");
    await go(b, "verify");
    await shown(b, "#qr-input");
    await b.execute((t) => {
      const el = document.querySelector("#qr-input");
      el.value = t;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }, qr);
    await click(b, "#check-text");
    await shown(b, "#verify-result");
    await scrollTo(b, "#verify-result");
    await shot("verify");
    // That certificate's run: its certificates and the print panel.
    await b.back();
    await shown(b, "#certificate-facts");
    await click(b, "#certificate-facts a");
    await shown(b, "#candidate-enrolments a");
    await click(b, "#candidate-enrolments a");
    await shown(b, "#run-certificate-list");
    await scrollTo(b, "#run-certificates");
    await shot("run-certificates");
    // An employer's training report form.
    await go(b, "employers");
    await click(b, "#employers tbody a");
    await shown(b, "#employer-report");
    await scrollTo(b, "#employer-report");
    await shot("employer-report");
  } finally {
    await stop();
    cleanup();
  }
}

/** Users, the import's dry run of tests/e2e/fixtures/candidates.csv, backups, and framing a photo. */
async function admin() {
  const { dir, cleanup } = demoCopy();
  const fixture = path.join(root, "tests/e2e/fixtures/candidates.csv");
  const as = { CENTREBOOK_PASSPHRASE: passphrase, CENTREBOOK_PASSWORD: password, CENTREBOOK_NEW_PASSWORD: "a password 12" };
  for (const [u, role, name] of [["olly", "office", "Olly Okafor"], ["tess", "trainer", "Tess Evans"], ["sam", "trainer", "Sam Hughes"]]) {
    cli(dir, ["--user", "admin", "user", "add", u, "--role", role, "--from-json", "-"], as, JSON.stringify({ display_name: name }));
  }
  cli(dir, ["--user", "admin", "user", "disable", "sam"], as);
  const photo = path.join(root, "tests/e2e/fixtures/portrait.jpg");
  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_IMPORT_FILE: fixture, CENTREBOOK_TEST_OPEN_PHOTO: photo });
  try {
    await unlockAndSignIn(b, passphrase, password);
    await go(b, "users");
    await shown(b, "#users tbody tr[data-user]");
    await shot("users");
    await go(b, "import");
    await click(b, "#choose-import-file");
    await shown(b, "#fates");
    await click(b, "#show-all");
    await b.execute(() => document.querySelector("#cols-h")?.scrollIntoView());
    await shot("import-dry-run");
    await go(b, "backup");
    await shown(b, "#backup-now");
    await shot("backup");
    await go(b, "candidates");
    await fill(b, "#candidate-search", "jon");
    await click(b, ".result");
    await click(b, "#choose-photo");
    await click(b, "#photo-from-file");
    await shown(b, "#photo-frame");
    await b.execute(() => document.getElementById("photo-frame").focus());
    for (let i = 0; i < 3; i++) await b.keys("-");
    await shot("photo-frame");
  } finally {
    await stop();
    cleanup();
  }
}

// ONLY_SHARING=1 takes only the sharing screens (submissions, breach listing, returns with conflicts).
if (process.env.ONLY_SHARING) {
  await sharingShots(shot, passphrase, password);
  process.exit(0);
}

// ONLY_ADMIN=1 takes only the administration screens (users, import dry run, backup, photo framing).
if (process.env.ONLY_ADMIN) {
  await admin();
  process.exit(0);
}

if (process.env.ONLY_DOCS) {
  await documents();
} else {
  if (!process.env.ONLY_TOUR) await firstRun();
  await tour();
  await documents();
}
