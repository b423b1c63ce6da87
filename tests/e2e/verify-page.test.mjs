// The verification page, in the real app and the real WebKit: a centre set up through the command line
// with its address, two certificates issued and one revoked. In the window the admin sets the
// verification page's address in Settings (an http address is refused on its field), saves the page
// (the save dialog is skipped: debug builds save into CENTREBOOK_TEST_SAVE_DIR), and the certificate
// issued afterwards carries `URL#statement` in its QR code, which the app's Verify screen accepts.
// Then the app's own webview is sent to the saved page at a file:// address with each statement after
// `#`, as a phone camera would open it: a genuine one says Genuine, a changed one Tampered and the
// revoked one Revoked, the signature checked by the page's inlined TweetNaCl with no network at all.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { addCandidate, addTrainer, cli, click, fill, go, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const SHOTS = process.env.SHOTS_DIR ?? "/work/shots/verify";
mkdirSync(SHOTS, { recursive: true });
const shot = (b, name) => b.saveScreenshot(path.join(SHOTS, `${name}.png`));
const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));
const URL_ = "https://riverside.example.co.uk/verify.html";

/** A centre with one run of Counterbalance lift truck and three passes; the address asked at init. */
function centre(dir, work) {
  cli(dir, ["init", "--centre", "Riverside Plant Training", "--admin", "admin",
    "--address", "Unit 4, Riverside Park, Cardiff Road", "--postcode", "cf10 5ab"]);
  json(dir, ["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"]);
  const course = path.join(work, "course.json");
  writeFileSync(course, JSON.stringify({
    code: "FLT-CB", title: "Counterbalance lift truck, novice", awarding_body: "RTITB", course_type: "training",
    category: "Counterbalance lift truck", length_days: 5, duration_hours: 35, validity_months: 36,
    components: [{ name: "Theory", rule: { kind: "marks", max_mark: 40, pass_mark: 30 } }],
  }));
  json(dir, ["course", "add", course]);
  json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"]);
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--end", "06/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  const people = {};
  for (const [forename, surname, number] of [["Siân", "Llewelyn", "E1042"], ["Bob", "Ray", "E1043"], ["Cara", "Ng", "E1044"]]) {
    people[forename] = addCandidate(dir, { forename, surname, employer: "Acme Haulage", employee_number: number }).candidate.id;
    json(dir, ["run", "enrol", run, people[forename]]);
    json(dir, ["result", "record", run, people[forename], "--component", "Theory", "--mark", "38"]);
  }
  return { run, people };
}

/** The page's verdict once it has one: [data-verdict, the word shown]. */
async function verdict(b, expected) {
  let last = null;
  await b.waitUntil(async () => {
    last = await b.execute(() => {
      const v = document.querySelector("#verdict");
      return v ? [v.getAttribute("data-verdict"), document.querySelector("#verdict-word").textContent] : null;
    });
    return last && last[0] === expected;
  }, { timeout: 15000, timeoutMsg: `the page never said ${expected}; last: ${JSON.stringify(last)}` });
  return last;
}

test("the verification page, saved from Settings and opened from file:// in the real WebKit, says Genuine, Tampered and Revoked", async () => {
  const { dir, cleanup } = tempDataDir();
  const work = path.dirname(dir);
  const saves = path.join(work, "saved");
  mkdirSync(saves);
  const { run, people } = centre(dir, work);
  // Bob's certificate is issued before the centre has a page (its QR is the bare statement) and revoked.
  const bob = json(dir, ["certificate", "issue", "--run", run, "--candidate", people.Bob, "--date", "09/11/2026"]);
  assert.match(bob.qr, /^CENTREBOOK CERTIFICATE 1\n/);
  json(dir, ["certificate", "revoke", bob.number, "--reason", "Issued in error"]);

  const { browser: b, stop } = await launch(dir, { CENTREBOOK_TEST_SAVE_DIR: saves, CENTREBOOK_TEST_NO_OPEN: "1" });
  try {
    await unlockAndSignIn(b);
    await go(b, "settings");
    // The address given at set-up is there; an http address is refused on its own field.
    await b.waitUntil(async () => (await (await b.$("#s-address")).getValue()).includes("Riverside Park"), { timeout: 10000 });
    assert.equal(await (await b.$("#s-postcode")).getValue(), "CF10 5AB");
    await fill(b, "#s-verify-url", "http://riverside.example.co.uk/verify.html");
    await click(b, "#save-centre");
    const err = await textOf(b, "#s-verify-url-error", (t) => t.length > 0);
    assert.match(err, /^Should start with https:\/\//);
    assert.equal(json(dir, ["centre", "show"]).verify_url ?? null, null, "nothing was saved");
    await fill(b, "#s-verify-url", URL_);
    await click(b, "#save-centre");
    await textOf(b, "form .banner.ok", (t) => t.includes("Saved"));
    assert.equal(json(dir, ["centre", "show"]).verify_url, URL_);
    await shot(b, "settings-verification-page");

    // The page, saved from the window.
    await click(b, "#save-verify-page");
    await textOf(b, "#verify-page-saved", (t) => t.includes("verify.html"));
    await shot(b, "settings-page-saved");
    const page = path.join(saves, "verify.html");
    const html = readFileSync(page, "utf8");
    assert.ok(html.includes(`"number":"${bob.number}"`), "the revocation is in the page");
    assert.ok(!/https?:\/\/|src=|fetch\(/i.test(html), "the page asks for nothing from anywhere");

    // Siân's certificate, issued now, opens the page from its QR code.
    const sian = json(dir, ["certificate", "issue", "--run", run, "--candidate", people["Siân"], "--date", "09/11/2026"]);
    assert.ok(sian.qr.startsWith(`${URL_}#CENTREBOOK%20CERTIFICATE%201%0A`), sian.qr);
    const pdf = path.join(work, "sian.pdf");
    json(dir, ["certificate", "pdf", sian.number, "--out", pdf]);
    const png = spawnSync("pdftoppm", ["-png", "-r", "80", "-singlefile", pdf, path.join(SHOTS, "certificate")]);
    assert.equal(png.status, 0, String(png.stderr));
    const printed = spawnSync("pdftotext", [pdf, "-"], { encoding: "utf8" }).stdout.replace(/\s+/g, " ");
    assert.match(printed, /Unit 4, Riverside Park, Cardiff Road, CF10 5AB/);
    assert.ok(printed.includes(URL_), printed);
    assert.match(printed, /R-1234/);

    // The app's Verify takes the URL form as it takes the bare statement.
    await go(b, "verify");
    await shown(b, "#qr-input");
    await b.execute((t) => {
      const el = document.querySelector("#qr-input");
      el.value = t;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }, sian.qr);
    await click(b, "#check-text");
    await textOf(b, "#verify-status", (t) => t === "Valid");

    // The real WebKit at file://, as a phone opens the QR code's address (the https part replaced by
    // where the page was saved): genuine, tampered, revoked.
    const fragment = sian.qr.slice(sian.qr.indexOf("#") + 1);
    const at = pathToFileURL(page).href;
    await b.url(`${at}#${fragment}`);
    const [, word] = await verdict(b, "genuine");
    assert.equal(word, "Genuine");
    const fields = await b.execute(() => document.querySelector("#fields").innerText);
    assert.match(fields, /Siân Llewelyn/);
    assert.match(fields, new RegExp(sian.number));
    assert.match(fields, /Counterbalance lift truck, novice/);
    await shot(b, "page-genuine");

    await b.url("about:blank");
    await b.url(`${at}#${fragment.replace("Si%C3%A2n%20Llewelyn", "Si%C3%A2n%20Llewelyo")}`);
    assert.equal((await verdict(b, "tampered"))[1], "Tampered");
    await shot(b, "page-tampered");

    await b.url("about:blank");
    await b.url(`${at}#${encodeURIComponent(bob.qr)}`);
    assert.equal((await verdict(b, "revoked"))[1], "Revoked");
    const detail = await b.execute(() => document.querySelector("#verdict-detail").textContent);
    assert.match(detail, new RegExp(`revoked certificate ${bob.number}`));
    assert.ok(!detail.includes("Issued in error"), "the revocation's reason is not in the page");
    await shot(b, "page-revoked");

    // A key the page does not hold: Unknown key.
    const keyId = /Key:%20([0-9a-f]{16})/.exec(fragment)[1];
    await b.url("about:blank");
    await b.url(`${at}#${fragment.replace(`Key:%20${keyId}`, "Key:%200000000000000000")}`);
    assert.equal((await verdict(b, "unknown_key"))[1], "Unknown key");

    // After a reissue, a page saved afresh (here from the command line) knows the first version was replaced.
    json(dir, ["certificate", "reissue", sian.number, "--reason", "Name misspelt on the booking form"]);
    const fresh = path.join(saves, "verify-2.html");
    json(dir, ["keys", "verify-page", "--out", fresh]);
    await b.url("about:blank");
    await b.url(`${pathToFileURL(fresh).href}#${fragment}`);
    assert.equal((await verdict(b, "superseded"))[1], "Superseded");
    await shot(b, "page-superseded");

    // Pasting the whole address the QR code holds works too.
    await b.url("about:blank");
    await b.url(at);
    await shown(b, "#pasted");
    await b.execute((t) => { document.querySelector("#pasted").value = t; }, sian.qr);
    await click(b, "#check");
    assert.equal((await verdict(b, "genuine"))[1], "Genuine");
    assert.match(await b.execute(() => document.querySelector("#fields").innerText), /02\/11\/2026 – 06\/11\/2026/);
    assert.ok(readdirSync(saves).includes("verify.html"));
  } finally {
    await stop();
    cleanup();
  }
});

test("the centre's address is asked at first run (a bad postcode is refused before the store is made) and shown in Settings", async () => {
  const { dir, cleanup } = tempDataDir();
  const { browser: b, stop } = await launch(dir);
  const password = "first admin password";
  try {
    await click(b, "#choose-office");
    await fill(b, "#centre", "Riverside Plant Training");
    await fill(b, "#centre-address", "Unit 4, Riverside Park, Cardiff Road");
    await fill(b, "#centre-postcode", "not a postcode");
    await fill(b, "#password", password);
    await fill(b, "#password2", password);
    await fill(b, "#passphrase", "e2e passphrase 2026");
    await fill(b, "#passphrase2", "e2e passphrase 2026");
    await click(b, "#create");
    await textOf(b, "#centre-postcode-error", (t) => t.length > 0);
    assert.equal(existsSync(path.join(dir, "centrebook.db")), false, "no store was made");
    await shot(b, "first-run-address");
    await fill(b, "#centre-postcode", "cf10 5ab");
    await click(b, "#create");
    await textOf(b, "#recovery-key", (t) => t.length > 0, 30000);
    await click(b, "#stored");
    await click(b, "#continue");
    await textOf(b, "#signed-in-user", (t) => t === "admin");
    await go(b, "settings");
    await b.waitUntil(async () => (await (await b.$("#s-address")).getValue()) === "Unit 4, Riverside Park, Cardiff Road",
      { timeout: 10000, timeoutMsg: "the address typed at first run is not in Settings" });
    assert.equal(await (await b.$("#s-postcode")).getValue(), "CF10 5AB");
  } finally {
    await stop();
    cleanup();
  }
});
