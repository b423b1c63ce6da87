// The main flow through the real app: first run → employer → candidate (inline error, duplicate) →
// course → run → enrol → results typed into the grid → outcome → sign out and in, restart → all there.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PASSPHRASE, click, fill, go, launch, shown, signIn, tempDataDir, textOf } from "./harness.mjs";

const PASSWORD = "first admin password";

test("first run to results, and the data is still there after signing out and restarting", async () => {
  const { dir, cleanup } = tempDataDir();
  let app = await launch(dir);
  let b = app.browser;
  try {
    // First run: the centre and its first admin; the recovery key is shown once.
    await fill(b, "#centre", "Riverside Plant Training");
    await fill(b, "#password", PASSWORD);
    await fill(b, "#password2", PASSWORD);
    await fill(b, "#passphrase", "short");
    await fill(b, "#passphrase2", "short");
    await click(b, "#create");
    const tooShort = await textOf(b, "#passphrase-error", (t) => t.length > 0);
    assert.match(tooShort, /at least 12 characters/);
    await fill(b, "#passphrase", PASSPHRASE);
    await fill(b, "#passphrase2", PASSPHRASE);
    await click(b, "#create");
    const key = await textOf(b, "#recovery-key", (t) => t.length > 0, 30000);
    assert.match(key, /^[A-Z2-7]{4}(-[A-Z2-7]{1,4})+$/);
    assert.equal(await (await b.$("#continue")).isEnabled(), false, "continue waits for 'I have stored it'");
    await click(b, "#stored");
    await click(b, "#continue");
    await textOf(b, "#signed-in-user", (t) => t === "admin");

    // An employer.
    await click(b, "#nav-employers");
    await click(b, "#new-employer");
    await fill(b, "#e-name", "Acme Plant Hire");
    await fill(b, "#e-postcode", "LS1 4AP");
    await click(b, "#save-employer");
    await textOf(b, "#employer-name", (t) => t === "Acme Plant Hire");

    // A candidate: a bad NI number is shown beside its field, then registered.
    await click(b, "#nav-candidates");
    await click(b, "#new-candidate");
    await fill(b, "#c-forename", "Siân");
    await fill(b, "#c-surname", "Roberts");
    await (await shown(b, "#c-employer_id")).selectByVisibleText("Acme Plant Hire");
    await fill(b, "#c-employee_number", "E1001");
    await fill(b, "#c-ni_number", "QQ 12 34");
    await click(b, "#register");
    const niError = await textOf(b, "#c-ni_number-error", (t) => t.length > 0);
    assert.ok(niError.length > 5, niError);
    await fill(b, "#c-ni_number", "AB 12 34 56 C");
    await fill(b, "#c-date_of_birth", "14/02/1990");
    await click(b, "#register");
    await textOf(b, "#candidate-name", (t) => t === "Siân Roberts");
    assert.equal(await textOf(b, "#ni-number", (t) => t.length > 0), "AB123456C");

    // The same person again is offered back, with "use existing".
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Sian");
    await fill(b, "#c-surname", "Roberts");
    await fill(b, "#c-ni_number", "ab123456c");
    await click(b, "#register");
    await shown(b, "#duplicates");
    assert.equal(await (await b.$("#register-anyway")).isExisting(), false, "never two records with one NI number");
    await click(b, ".use-existing");
    await textOf(b, "#candidate-name", (t) => t === "Siân Roberts");

    // A course with a marked theory paper and a practical with fault limits.
    await click(b, "#nav-courses");
    await click(b, "#new-course");
    await fill(b, "#co-code", "FLT-CB");
    await fill(b, "#co-title", "Counterbalance forklift, novice");
    await fill(b, "#co-category", "Counterbalance forklift");
    await click(b, "#save-course");
    await textOf(b, "#courses", (t) => t.includes("FLT-CB"));

    // A run, with the candidate enrolled from a search.
    await click(b, "#nav-runs");
    await click(b, "#new-run");
    await fill(b, "#r-venue", "Riverside yard");
    await click(b, "#save-run");
    await textOf(b, "#run-title", (t) => t === "Counterbalance forklift, novice");
    await fill(b, "#enrol-search", "robe");
    await click(b, "button.enrol");
    await textOf(b, "#enrolments", (t) => t.includes("Roberts, Siân"));

    // Results: typed, saved as typed, the outcome shown live.
    await click(b, "#enter-results");
    const theory = await fill(b, 'input[data-row="0"][data-col="0"]', "22");
    assert.equal(await theory.getAttribute("aria-label"), "Theory for Siân Roberts");
    await fill(b, 'input[data-row="0"][data-col="1"][data-sub="0"]', "1");
    await fill(b, 'input[data-row="0"][data-col="1"][data-sub="1"]', "0");
    await textOf(b, 'tr [data-outcome]', (t) => t === "Pass");
    await textOf(b, "#save-state", (t) => t === "All results saved");
    // A value out of range is shown in its cell, not saved.
    await fill(b, 'input[data-row="0"][data-col="0"]', "26");
    await textOf(b, "td.cell .cell-msg", (t) => t === "Enter a whole mark from 0 to 25");
    await textOf(b, 'tr [data-outcome]', (t) => t === "Incomplete");
    await fill(b, 'input[data-row="0"][data-col="0"]', "12");
    await textOf(b, 'tr [data-outcome]', (t) => t === "Retest");
    await textOf(b, "#save-state", (t) => t === "All results saved");

    // Override with a reason.
    await click(b, "button.override");
    await click(b, "#ov-save");
    await textOf(b, "dialog .banner.error", (t) => /reason/i.test(t));
    await (await shown(b, "#ov-outcome")).selectByVisibleText("Pass");
    await fill(b, "#ov-reason", "Theory paper re-marked on appeal");
    await click(b, "#ov-save");
    await textOf(b, 'tr [data-outcome]', (t) => t === "Pass · overridden");

    // Sign out and in: still there.
    await click(b, "#switch-user");
    await signIn(b, "admin", PASSWORD);
    await go(b, "runs");
    await click(b, "#runs tbody a");
    await textOf(b, "#enrolments .outcome", (t) => t === "Pass · overridden");

    // Restart the app: the passphrase opens the store again, and everything is there.
    await app.stop();
    app = await launch(dir);
    b = app.browser;
    await fill(b, "#passphrase", PASSPHRASE);
    await click(b, "#unlock");
    await signIn(b, "admin", PASSWORD);
    await fill(b, "#candidate-search", "sian");
    await click(b, ".result");
    await textOf(b, "#candidate-enrolments", (t) => t.includes("FLT-CB") && t.includes("Pass · overridden"));
    await textOf(b, "#audit", (t) => t.includes("candidate.add"));
  } finally {
    await app.stop();
    cleanup();
  }
});
