// Settings in daily use, in the real app: an awarding body added with its approval number and a
// course linked to it afterwards; certificate numbering and a saved copy of a template; search that
// finds names typed without their punctuation ("obrien" → O'Brien); and marketing consent whose
// "No" is a recorded answer with its source and date, not "Never asked".
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { addCandidate, cli, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const SHOTS = process.env.SHOTS_DIR ?? "/work/shots/settings";
mkdirSync(SHOTS, { recursive: true });
const shot = (b, name) => b.saveScreenshot(path.join(SHOTS, `${name}.png`));
const json = (dir, args) => JSON.parse(cli(dir, ["--json", "--user", "admin", ...args]));

/** The search results' lines once they satisfy `predicate` (read from the page: one string per row). */
async function results(b, predicate) {
  let last = [];
  await b.waitUntil(async () => {
    last = await b.execute(() => [...document.querySelectorAll('ul.results[aria-label="Search results"] .result')].map((e) => e.innerText.replace(/\s+/g, " ").trim()));
    return predicate(last);
  }, { timeout: 10000, timeoutMsg: `search results never matched; last: ${JSON.stringify(last)}` });
  return last;
}

function addCourse(dir) {
  const file = path.join(dir, "..", "course.json");
  writeFileSync(file, JSON.stringify({
    code: "CS-CHAIN", title: "Chainsaw maintenance and cross-cutting", course_type: "training", category: "Chainsaw",
    length_days: 2, duration_hours: 14, components: [{ name: "Practical", rule: { kind: "observation" } }],
  }));
  cli(dir, ["--user", "admin", "course", "add", file]);
}

test("an awarding body is added in Settings with its approval number, a course is linked to it, and numbering and the template are set", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  addCourse(dir);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, "settings");
    await textOf(b, "#bodies", (t) => t.includes("No awarding bodies yet"));

    // A body with a shipped profile takes its code from it.
    await click(b, "#add-body");
    await (await shown(b, "#b-profile")).selectByAttribute("value", "lantra");
    assert.equal(await (await b.$("#b-code")).getValue(), "LANTRA");
    await fill(b, "#b-name", "Lantra Awards");
    await fill(b, "#b-number", "L-4471");
    await click(b, "#save-body");
    await textOf(b, "#bodies-notice", (t) => t.includes("Added Lantra Awards (LANTRA)"));
    const row = await textOf(b, '#bodies tr[data-code="LANTRA"]', (t) => t.includes("L-4471"));
    assert.match(row, /lantra profile/);

    // Any other body: the generic profile; then its approval number changed.
    await click(b, "#add-body");
    await fill(b, "#b-code", "cityg");
    await fill(b, "#b-name", "City & Guilds");
    await click(b, "#save-body");
    await textOf(b, '#bodies tr[data-code="CITYG"]', (t) => t.includes("generic profile") && t.includes("—"));
    await click(b, 'button[aria-label="Change the approval number with CITYG"]');
    await fill(b, "#approval-CITYG", "CG-0099");
    await click(b, "#save-approval");
    await textOf(b, '#bodies tr[data-code="CITYG"]', (t) => t.includes("CG-0099"));

    // Numbering: the next number follows the pattern as soon as it is saved.
    await fill(b, "#n-pattern", "{centre}/{yyyy}/{seq:04}");
    await fill(b, "#n-code", "ec");
    await click(b, "#save-numbering");
    const year = new Date().getFullYear();
    await textOf(b, "#next-number", (t) => t === `EC/${year}/0001`);

    // The template: a copy of the shipped portrait one, renamed as data, saved; a bad edit is refused.
    await click(b, "#copy-portrait");
    const copied = JSON.parse(await (await b.$("#t-json")).getValue());
    assert.equal(copied.page.width_mm < copied.page.height_mm, true, "the portrait template was copied");
    copied.name = "E2E Centre portrait";
    await b.execute((v) => {
      const t = document.getElementById("t-json");
      t.value = v;
      t.dispatchEvent(new Event("input", { bubbles: true }));
    }, JSON.stringify(copied, null, 2));
    await click(b, "#save-template");
    await textOf(b, "#template-in-use", (t) => t.includes("E2E Centre portrait") && t.includes("saved in this store"));
    await b.execute(() => document.getElementById("bodies-h").scrollIntoView());
    await shot(b, "settings-bodies");
    await b.execute(() => document.getElementById("save-template").scrollIntoView({ block: "end" }));
    await b.pause(300);
    await shot(b, "settings-template");
    assert.equal(json(dir, ["certificate", "template", "show"]).name, "E2E Centre portrait", "the command issues with it too");
    await b.execute(() => {
      const t = document.getElementById("t-json");
      t.value = t.value.replace('"name"', '"nmae"');
      t.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await click(b, "#save-template");
    await textOf(b, "#t-error", (t) => t.startsWith("Template: is not a valid template"));

    // The course, added with no body, is linked to Lantra afterwards.
    await go(b, "courses");
    await textOf(b, '#courses tr[data-code="CS-CHAIN"]', (t) => t.includes("The centre's own"));
    await click(b, 'button[aria-label="Change the awarding body of CS-CHAIN"]');
    await (await shown(b, "#link-CS-CHAIN")).selectByAttribute("value", "LANTRA");
    await click(b, "#save-link");
    await textOf(b, "#courses-notice", (t) => t.includes("CS-CHAIN is now a LANTRA course"));
    await textOf(b, '#courses tr[data-code="CS-CHAIN"]', (t) => t.includes("LANTRA"));
    await shot(b, "courses-linked");
    assert.equal(json(dir, ["course", "show", "CS-CHAIN"])[0].awarding_body, "LANTRA");
  } finally {
    await stop();
    cleanup();
  }
});

test("search finds O'Brien from 'obrien' and D'Souza from 'dsouza', and does not offer to register them again", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  for (const [forename, surname] of [["Seán", "O'Brien"], ["Priya", "D'Souza"], ["Ravi", "D Souza"], ["Tom", "Brierley"]]) {
    addCandidate(dir, { forename, surname }, { force: true });
  }
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, "candidates");
    await fill(b, "#candidate-search", "obrien");
    const found = await results(b, (rows) => rows.length > 0);
    assert.equal(found.length, 1, found.join(" | "));
    assert.match(found[0], /^O'Brien, Seán/);
    await textOf(b, "p[role=status]", (t) => t === "1 found");
    await shot(b, "search-obrien");

    await fill(b, "#candidate-search", "dsouza");
    const souzas = await results(b, (rows) => rows.length === 2);
    assert.ok(souzas.some((r) => r.startsWith("D'Souza, Priya")) && souzas.some((r) => r.startsWith("D Souza, Ravi")), souzas.join(" | "));

    // Forename and folded surname together; never "No candidates match" for someone registered.
    await fill(b, "#candidate-search", "sean obrien");
    await results(b, (rows) => rows.length === 1 && rows[0].startsWith("O'Brien, Seán"));
    assert.ok(!(await (await b.$("p[role=status]")).getText()).includes("No candidates match"));
  } finally {
    await stop();
    cleanup();
  }
});

test("a marketing 'No' is recorded with its source and date, other channels stay 'Never asked', and the history is shown", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const employer = json(dir, ["employer", "add", "--name", "Acme Plant Hire"]);
  const gwen = path.join(path.dirname(dir), "gwen.json");
  writeFileSync(gwen, JSON.stringify({ forename: "Gwen", surname: "Morgan" }));
  json(dir, ["contact", "add", "--employer", "Acme Plant Hire", "--from-json", gwen]);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, `employers/${employer[0].id}`);
    await textOf(b, 'li[data-channel="phone"]', (t) => t === "Phone: Never asked");

    // The source is asked for, and an answer must be chosen: nothing is recorded without them.
    await click(b, 'button[aria-label="Record a marketing answer for Gwen Morgan"]');
    await (await shown(b, "#ask-channel")).selectByAttribute("value", "phone");
    await click(b, "#ask-save");
    await shown(b, "#ask-source[aria-invalid=true]");
    await click(b, "#ask-no");
    await fill(b, "#ask-source", "phone call with Gwen");
    await click(b, "#ask-save");
    const d = new Date();
    const today = `${String(d.getDate()).padStart(2, "0")}/${String(d.getMonth() + 1).padStart(2, "0")}/${d.getFullYear()}`;
    await textOf(b, 'li[data-channel="phone"]', (t) => t === `Phone: No (phone call with Gwen, ${today})`);
    await textOf(b, 'li[data-channel="email"]', (t) => t === "Email: Never asked");

    // A yes by text message, then the history lists both answers, newest first.
    await click(b, 'button[aria-label="Record a marketing answer for Gwen Morgan"]');
    await (await shown(b, "#ask-channel")).selectByAttribute("value", "sms");
    await click(b, "#ask-yes");
    await fill(b, "#ask-source", "booking form");
    await click(b, "#ask-save");
    await textOf(b, 'li[data-channel="sms"]', (t) => t === `Text: Yes (booking form, ${today})`);
    await textOf(b, 'li[data-channel="email"]', (t) => t === "Email: Never asked");
    await click(b, "button[aria-expanded=false]");
    const history = await textOf(b, 'ol[aria-label="Consent history of Gwen Morgan"]', (t) => t.includes("Phone: No"));
    assert.ok(history.indexOf("Text: Yes") < history.indexOf("Phone: No"), history);
    await shot(b, "consent-no-recorded");

    const contacts = json(dir, ["contact", "list", "Acme Plant Hire"]);
    const phone = contacts[0].consents.find((k) => k.channel === "phone");
    assert.deepEqual([phone.granted, phone.source], [false, "phone call with Gwen"]);
  } finally {
    await stop();
    cleanup();
  }
});
