// Certificates in the real app: a centre with a run (two passes, one fail) set up through the
// command line; in the window the office issues certificates for the run's passes (the fail is left
// out with its reason), finds them listed, opens one, prints the run's certificates as one PDF with
// progress to the end, revokes one with a reason, saves an employer report (a disclosure), issues a
// photo card, and checks QR texts on the Verify screen: valid, revoked, tampered.
//
// Native save dialogs are skipped here (dialogs.test.mjs drives the real ones): debug builds save into
// CENTREBOOK_TEST_SAVE_DIR under the suggested name, and CENTREBOOK_TEST_NO_OPEN keeps the system's
// PDF viewer from starting, and CENTREBOOK_TEST_PRINT_DELAY_MS slows a batch so Cancel can be
// pressed part-way (release builds read none of them).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { deflateSync } from "node:zlib";
import { addTrainer, addCandidate, cli, click, fill, go, initStore, launch, picture, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** A plain 280 × 360 PNG, as a candidate's photo (a card prints one). */
function portrait(file) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const [w, h] = [280, 360];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x9a)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: h }, () => row)));
  writeFileSync(file, Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0)),
  ]));
}

/** A centre with one run of Counterbalance lift truck: Siân and Bob pass, Cara fails. */
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
  const people = {};
  for (const [forename, surname, number] of [["Siân", "Llewelyn", "E1042"], ["Bob", "Ray", "E1043"], ["Cara", "Ng", "E1044"]]) {
    const c = addCandidate(dir, { forename, surname, employer: "Acme Haulage", employee_number: number });
    people[forename] = c.candidate.id;
  }
  const run = json(dir, ["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--end", "06/11/2026", "--venue", "Yard 2", "--trainer", "Tess Evans"]).id;
  for (const [who, mark] of [["Siân", "38"], ["Bob", "35"], ["Cara", "12"]]) {
    json(dir, ["run", "enrol", run, people[who]]);
    json(dir, ["result", "record", run, people[who], "--component", "Theory", "--mark", mark]);
  }
  const photo = path.join(work, "sian.png");
  portrait(photo);
  json(dir, ["candidate", "photo", people["Siân"], photo]);
  return { run, people, employer: employer[0].id };
}

/** Puts `text` into a text field as if pasted (typing a long statement key by key is slow). */
async function paste(b, selector, text) {
  await shown(b, selector);
  await b.execute((sel, t) => {
    const el = document.querySelector(sel);
    el.value = t;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, selector, text);
}

const rowsOf = (b, selector) =>
  b.execute((sel) => [...document.querySelectorAll(`${sel} tbody tr[data-number]`)].map((tr) => ({
    number: tr.dataset.number, status: tr.dataset.status ?? null, text: tr.textContent.replace(/\s+/g, " ").trim(),
  })), selector);

function pdfPages(file) {
  const r = spawnSync("pdfinfo", [file], { encoding: "utf8" });
  assert.equal(r.status, 0, `pdfinfo could not read ${file}: ${r.stderr}`);
  return Number(/Pages:\s+(\d+)/.exec(r.stdout)[1]);
}

test("certificates are issued for a run's passes, listed, opened, printed in a batch, revoked and verified", async () => {
  const { dir, cleanup } = tempDataDir();
  const work = path.dirname(dir);
  const saves = path.join(work, "saved");
  mkdirSync(saves);
  const { run, people, employer } = centre(dir, work);
  // The app's own temporary folder, so its viewing folder can be found and watched. A window killed
  // earlier left one (a PDF in the clear): the next start removes it.
  const tmp = path.join(work, "tmp");
  const killedWindow = path.join(tmp, "centrebook-viewing-999999-0badc0de");
  mkdirSync(killedWindow, { recursive: true });
  writeFileSync(path.join(killedWindow, "Certificate OLD-1.pdf"), "%PDF-1.7 left behind");
  const { browser: b, stop } = await launch(dir, {
    CENTREBOOK_TEST_SAVE_DIR: saves, CENTREBOOK_TEST_NO_OPEN: "1", CENTREBOOK_TEST_PRINT_DELAY_MS: "600", TMPDIR: tmp,
  });
  try {
    await unlockAndSignIn(b);

    // The run page offers to issue the two passes' certificates; Cara's fail is left out, with why.
    await go(b, `runs/${run}`);
    await shown(b, "#run-certificates");
    await textOf(b, "#issue-run-certificates", (t) => t.includes("(2)"));
    await click(b, "#issue-run-certificates");
    // One question, with the count and the names, then the batch.
    await textOf(b, "#issue-confirm-count", (t) => t.startsWith("2 certificates"));
    await click(b, "#confirm-issue");
    const issued = await textOf(b, "#run-certs-notice", (t) => t.startsWith("Issued"), 30000);
    const numbers = [...issued.matchAll(/[A-Z0-9]+-\d{4}-\d{6}/g)].map((m) => m[0]);
    assert.equal(numbers.length, 2, issued);
    assert.match(issued, /^Issued 2 certificates: /);
    const skipped = await textOf(b, "#run-certs-skipped", (t) => t.length > 0);
    assert.match(skipped, /Cara Ng: outcome is fail/);
    let listed = await rowsOf(b, "#run-certificate-list");
    assert.deepEqual(listed.map((r) => r.number).sort(), [...numbers].sort());
    assert.equal(await (await b.$("#issue-run-certificates")).isEnabled(), false, "nobody else is waiting");

    // Print all of the run's certificates as one PDF: progress reaches 2 of 2 and the file is a
    // two-page PDF.
    await click(b, "#run-print-go");
    const done = await textOf(b, "#run-print-done", (t) => t.startsWith("Saved"), 30000);
    assert.match(done, /2 certificates, 2 pages/);
    const count = await b.$("#run-print-count");
    assert.equal(await count.getAttribute("data-done"), "2");
    assert.equal(await count.getAttribute("data-total"), "2");
    assert.equal(await (await b.$("#run-print-progress progress")).getAttribute("value"), "100");
    const batch = readdirSync(saves).find((f) => f.startsWith("Certificates FLT-CB"));
    assert.ok(batch, `no batch file in ${readdirSync(saves)}`);
    assert.equal(batch, "Certificates FLT-CB 2026-11-02.pdf");
    const bytes = readFileSync(path.join(saves, batch));
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    assert.equal(pdfPages(path.join(saves, batch)), 2);
    await click(b, "#run-print-open");

    // Again as a ZIP, cancelled after the first certificate: no file is left behind.
    await click(b, "#run-print-zip");
    await click(b, "#run-print-go");
    await b.waitUntil(async () => (await (await b.$("#run-print-count")).getAttribute("data-done")) === "1", { timeout: 10000 });
    await click(b, "#run-print-cancel");
    await textOf(b, "#run-print-notice", (t) => t.startsWith("Printing cancelled"), 10000);
    assert.equal(await (await b.$("#run-print-done")).isExisting(), false);
    assert.deepEqual(readdirSync(saves).filter((f) => f.endsWith(".zip")), [], "the partial ZIP was removed");

    // Both are on the certificates list, and on "issued this week".
    await click(b, "#nav-certificates");
    await textOf(b, "#cert-count", (t) => t === "2 certificates");
    listed = await rowsOf(b, "#certificates");
    assert.deepEqual(listed.map((r) => r.number).sort(), [...numbers].sort());
    assert.ok(listed.every((r) => r.status === "valid"), JSON.stringify(listed));
    await click(b, "#filter-week");
    await textOf(b, "#cert-count", (t) => t === "2 certificates");
    await fill(b, "#cert-search", "bob");
    await textOf(b, "#cert-count", (t) => t === "1 certificate match");
    const bob = (await rowsOf(b, "#certificates"))[0];
    assert.match(bob.text, /Bob Ray/);

    // Bob's certificate page: what it says, and "Open PDF" writes the issued file for the viewer.
    await click(b, `#certificates tr[data-number="${bob.number}"] a`);
    await textOf(b, "#certificate-number", (t) => t === bob.number);
    assert.equal(await textOf(b, "#certificate-status", (t) => t.length > 0), "Valid");
    const facts = await textOf(b, "#certificate-facts", (t) => t.includes("Bob Ray"));
    assert.match(facts, /E1043/);
    assert.match(facts, /Acme Haulage/);
    assert.match(facts, /Tess Evans \(registration R-1234\)/);
    assert.match(facts, /06\/11\/2029/, "expires 36 months after the last day");
    await click(b, "#open-pdf");
    await textOf(b, "#notice", (t) => t.startsWith(`Opened Certificate ${bob.number}.pdf`));
    assert.ok(!existsSync(killedWindow), "a dead window's viewing folder is swept at start");
    // In this window's own folder, owner-only, and nowhere shared.
    const viewing = readdirSync(tmp).filter((f) => f.startsWith("centrebook-viewing"));
    assert.equal(viewing.length, 1, String(viewing));
    assert.match(viewing[0], /^centrebook-viewing-\d+-[0-9a-f]{16}$/);
    const viewingDir = path.join(tmp, viewing[0]);
    const opened = path.join(viewingDir, `Certificate ${bob.number}.pdf`);
    assert.ok(existsSync(opened), opened);
    assert.equal(readFileSync(opened).subarray(0, 5).toString(), "%PDF-");
    assert.equal(statSync(viewingDir).mode & 0o777, 0o700);
    assert.equal(statSync(opened).mode & 0o777, 0o600);

    // Revoke it: a reason is required; then its status is revoked, with the reason.
    await click(b, "#revoke");
    await click(b, "#confirm-reason");
    await textOf(b, "#reason-error", (t) => /Give a reason/.test(t));
    await fill(b, "#reason", "Issued in error: practical not passed");
    await click(b, "#confirm-reason");
    await textOf(b, "#certificate-status", (t) => t === "Revoked");
    const why = await textOf(b, "#revocation", (t) => t.length > 0);
    assert.match(why, /Issued in error: practical not passed/);
    assert.equal(await (await b.$("#revoke")).isExisting(), false, "a revoked certificate offers no second revocation");
    await go(b, "certificates");
    await textOf(b, `#certificates tr[data-number="${bob.number}"]`, (t) => t.includes("Revoked"));

    // Everything issued this week as a ZIP: only Siân's, as a revoked certificate is not printed.
    await click(b, "#print-week");
    await click(b, "#print-zip");
    await click(b, "#print-go");
    assert.match(await textOf(b, "#print-done", (t) => t.startsWith("Saved"), 30000), /1 certificate, 1 page/);
    const zip = readdirSync(saves).find((f) => f.startsWith("Certificates issued ") && f.endsWith(".zip"));
    assert.ok(zip, String(readdirSync(saves)));
    const zipped = readFileSync(path.join(saves, zip));
    assert.equal(zipped.subarray(0, 2).toString(), "PK");
    assert.equal(zipped.toString("latin1").split("%PDF-").length - 1, 1, "one PDF in the ZIP");
    assert.ok(zipped.includes(Buffer.from(`${numbers.find((n) => n !== bob.number)}.pdf`)), "named by its number");

    // The employer's training report, saved as a PDF, is logged as a disclosure.
    await go(b, `employers/${employer}`);
    await shown(b, "#employer-report");
    assert.match(await textOf(b, "#report-disclosure", (t) => t.length > 0), /records a disclosure to Acme Haulage/);
    await click(b, "#save-report");
    const report = await textOf(b, "#report-saved", (t) => t.startsWith("Saved"), 30000);
    assert.match(report, /3 employees/);
    assert.match(report, /Logged as a disclosure to Acme Haulage/);
    const reportFile = readdirSync(saves).find((f) => f.startsWith("Training report Acme Haulage"));
    assert.ok(reportFile?.endsWith(".pdf"), String(readdirSync(saves)));
    assert.equal(readFileSync(path.join(saves, reportFile)).subarray(0, 5).toString(), "%PDF-");

    // Siân's photo card, from her page.
    await go(b, `candidates/${people["Siân"]}`);
    await shown(b, "#candidate-documents");
    await textOf(b, "#candidate-certificates", (t) => t.includes(numbers.find((n) => n !== bob.number)));
    await click(b, "#issue-card");
    await textOf(b, "#docs-notice", (t) => /^Card \S+ issued\.$/.test(t), 30000);
    await shown(b, "#candidate-cards tr[data-card]");

    // Siân's certificate reissued as a correction: version 2 stands, version 1 is superseded.
    const sian = numbers.find((n) => n !== bob.number);
    const firstQr = json(dir, ["certificate", "show", sian]).qr;
    await go(b, `certificate/${encodeURIComponent(sian)}`);
    await textOf(b, "#certificate-number", (t) => t === sian);
    await click(b, "#reissue");
    await fill(b, "#reason", "Employee number corrected");
    await click(b, "#confirm-reason");
    await textOf(b, "#notice", (t) => t === `Certificate ${sian} reissued as version 2; version 1 is superseded.`);
    const versions = await textOf(b, "#versions", (t) => t.includes("Employee number corrected"));
    assert.match(versions, /Superseded/);
    assert.equal(await textOf(b, "#certificate-status", (t) => t.length > 0), "Valid");

    // Verify: Siân's QR text is valid, her first version's is superseded, Bob's is revoked, and a
    // one-letter change is tampered.
    const qr = json(dir, ["certificate", "show", sian]).qr;
    assert.match(qr, /Version: 2/);
    await click(b, "#nav-verify");
    await paste(b, "#qr-input", qr);
    await click(b, "#check-text");
    await textOf(b, "#verify-status", (t) => t === "Valid");
    const statement = await textOf(b, "#verify-statement", (t) => t.includes(sian));
    assert.match(statement, /Siân Llewelyn/);
    assert.match(statement, /Counterbalance lift truck, novice/);
    assert.match(statement, /02\/11\/2026 – 06\/11\/2026/);
    await paste(b, "#qr-input", firstQr);
    await click(b, "#check-text");
    await textOf(b, "#verify-status", (t) => t === "Superseded");
    await paste(b, "#qr-input", json(dir, ["certificate", "show", bob.number]).qr);
    await click(b, "#check-text");
    await textOf(b, "#verify-status", (t) => t === "Revoked");
    await paste(b, "#qr-input", qr.replace("Name: Siân Llewelyn", "Name: Siân Llewelyo"));
    await click(b, "#check-text");
    await textOf(b, "#verify-status", (t) => t === "Tampered");

    // The centre's public key, saved for employers.
    await click(b, "#export-key");
    await textOf(b, "#key-notice", (t) => t.startsWith("Saved"));
    const key = readdirSync(saves).find((f) => f.endsWith("public key.txt"));
    assert.ok(key, String(readdirSync(saves)));
    assert.match(readFileSync(path.join(saves, key), "utf8"), /^CENTREBOOK PUBLIC KEY 1\n/);

    // Switching user signs out: the PDFs opened for viewing go with the session.
    assert.ok(existsSync(viewingDir));
    await click(b, "#switch-user");
    await shown(b, "#username");
    await picture(b, "signed-out-viewing-folder-removed");
    assert.ok(!existsSync(viewingDir), "the viewing folder is removed at sign-out");
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith("centrebook-viewing")), []);
  } finally {
    await stop();
    cleanup();
  }
});
