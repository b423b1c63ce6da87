// Correcting the organisations and people around candidates in the window: an employer's postcode
// (a bad one refused beside its field), a contact edited then removed at their request, a trainer's
// registration number changed, an employee's site, an awarding body's name; each checked in the store
// through the command.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addTrainer, addCandidate, cli, click, fill, go, initStore, launch, scrollTo, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const SHOTS = process.env.SHOTS_DIR ?? "/work/shots/orgs";
mkdirSync(SHOTS, { recursive: true });
const shot = (b, name) => b.saveScreenshot(path.join(SHOTS, `${name}.png`));
const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

test("an employer, a contact, a trainer's registration and an employee's site are corrected in the window", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const employer = json(dir, ["employer", "add", "--name", "Acme Haulage", "--postcode", "LS12 2QT"])[0];
  const gwen = path.join(path.dirname(dir), "gwen.json");
  writeFileSync(gwen, JSON.stringify({ forename: "Gwen", surname: "Morgan", job_title: "Training manager" }));
  const contact = json(dir, ["contact", "add", "--employer", "Acme Haulage", "--from-json", gwen])[0];
  addTrainer(dir, { name: "Tess Evans", registrations: [["RTITB", "R-1234"]] });
  const amy = addCandidate(dir, { forename: "Amy", surname: "Jones", employer: "Acme Haulage" });
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);

    // The employer: the creation form, pre-filled; a bad postcode is refused beside its field.
    await go(b, `employers/${employer.id}`);
    await click(b, "#edit-employer");
    assert.equal(await (await shown(b, "#ee-name")).getValue(), "Acme Haulage");
    assert.equal(await (await shown(b, "#ee-postcode")).getValue(), "LS12 2QT");
    await fill(b, "#ee-postcode", "nowhere");
    await click(b, "#save-employer-edit");
    await textOf(b, "#ee-postcode-error", (t) => t.length > 0);
    await shot(b, "employer-edit-error");
    await fill(b, "#ee-postcode", "ls1 4ap");
    await shot(b, "employer-edit");
    await click(b, "#save-employer-edit");
    await textOf(b, "#employer-address", (t) => t.includes("LS1 4AP"));
    assert.equal(json(dir, ["employer", "list", "Acme"])[0].postcode, "LS1 4AP", "the store holds the new postcode");
    const edits = json(dir, ["audit", "list"]).filter((a) => a.action === "employer.edit");
    assert.equal(edits.length, 1, "one edit, the refused one wrote nothing");

    // A contact: edited in place, then removed at their request with a reason.
    await click(b, 'button[aria-label="Edit Gwen Morgan"]');
    assert.equal(await (await shown(b, "#ke-job")).getValue(), "Training manager");
    await fill(b, "#ke-surname", "Price");
    await shot(b, "contact-edit");
    await click(b, "#ke-save");
    await shown(b, 'button[aria-label="Remove Gwen Price"]');
    await click(b, 'button[aria-label="Remove Gwen Price"]');
    await click(b, "#remove-confirm");
    await textOf(b, "#remove-reason ~ p[role=alert]", (t) => t.includes("Say why"));
    await fill(b, "#remove-reason", "asked by phone not to be contacted");
    await shot(b, "contact-remove");
    await click(b, "#remove-confirm");
    await textOf(b, "table.list.card tbody", (t) => t.includes("No contacts yet"));
    const history = json(dir, ["contact", "history", contact.id]);
    assert.equal(history.filter((k) => !k.granted && k.source === "asked by phone not to be contacted").length, 4);
    assert.deepEqual(json(dir, ["contact", "list", "Acme Haulage"]), []);

    // A trainer's registration number: changed in the same form as adding; the old one is kept as ended.
    await go(b, "trainers");
    await click(b, 'button[aria-label="Edit Tess Evans"]');
    assert.equal(await (await shown(b, "#te-number")).getValue(), "R-1234");
    await fill(b, "#te-number", "R-5678");
    await shot(b, "trainer-edit");
    await click(b, "#save-trainer-edit");
    await textOf(b, "#trainers td.registrations", (t) => t === "RTITB R-5678");
    const tess = json(dir, ["trainer", "show", "Tess Evans"])[0];
    assert.deepEqual(tess.registrations, [["RTITB", "R-5678"]]);
    assert.equal(tess.ended_registrations[0].number, "R-1234");
    await click(b, 'button[aria-label="Edit Tess Evans"]');
    await textOf(b, 'ul[aria-label="Ended registrations"]', (t) => t.includes("RTITB R-1234: ended"));
    await shot(b, "trainer-edit-ended");
    // Ending it on a given day, through "On another date…": kept as ended too.
    const now = new Date();
    const today = `${String(now.getDate()).padStart(2, "0")}/${String(now.getMonth() + 1).padStart(2, "0")}/${now.getFullYear()}`;
    await click(b, "#te-dated");
    await fill(b, "#te-dated-scheme", "RTITB");
    await fill(b, "#te-dated-on", today);
    await scrollTo(b, "#te-add-registration");
    await b.pause(300);
    await shot(b, "trainer-registration-dated");
    await click(b, "#te-dated-save");
    await textOf(b, 'ul[aria-label="Ended registrations"]', (t) => t.includes("RTITB R-5678: ended"));
    const ended = json(dir, ["trainer", "show", "Tess Evans"])[0];
    assert.deepEqual(ended.registrations, []);
    assert.deepEqual(ended.ended_registrations.map((r) => r.number), ["R-5678", "R-1234"]);

    // The employee's site, beside their current employment.
    await go(b, `candidates/${amy.candidate.id}`);
    await click(b, "#edit-site");
    await fill(b, "#site-input", "York depot");
    await click(b, "#site-save");
    await textOf(b, "#employment-site", (t) => t === "York depot");
    await shot(b, "employment-site");
    assert.equal(json(dir, ["candidate", "show", amy.candidate.id]).employment_history[0].site, "York depot");

    // An awarding body's name, corrected beside its approval number in Settings.
    json(dir, ["body", "add", "--code", "CITYG", "--name", "City and Guild", "--centre-number", "CG-1"]);
    await go(b, "settings");
    await click(b, 'button[aria-label="Change the approval number with CITYG"]');
    await fill(b, "#body-name-CITYG", "City & Guilds");
    await scrollTo(b, "#bodies-h");
    await b.pause(300);
    await shot(b, "awarding-body-edit");
    await click(b, "#save-approval");
    await textOf(b, '#bodies tr[data-code="CITYG"]', (t) => t.includes("City & Guilds") && t.includes("CG-1"));
    const body = json(dir, ["body", "list"]).find((x) => x.code === "CITYG");
    assert.deepEqual([body.name, body.centre_number], ["City & Guilds", "CG-1"]);
  } finally {
    await stop();
    cleanup();
  }
});
