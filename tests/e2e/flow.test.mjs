// The main flow through the real app: first run → employer → candidate (inline error, duplicate,
// photo from a file framed by hand, then from the camera) → course → run → enrol → results typed into the grid → outcome → sign out and in, restart → all there.
import assert from "node:assert/strict";
import { test } from "node:test";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PASSPHRASE, click, fill, go, launch, shown, signIn, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

// 800 x 600: the left half red, the right half blue, a white disc in each.
const PHOTO = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/portrait.jpg");

/** The colour of the top-left corner of the candidate's photo as the page shows it. */
function cornerColour(b) {
  return b.executeAsync((done) => {
    const img = document.querySelector(".photo img");
    const read = () => {
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      done(Array.from(g.getImageData(5, 5, 1, 1).data.slice(0, 3)));
    };
    if (img.complete && img.naturalWidth) read();
    else img.onload = read;
  });
}

const PASSWORD = "first admin password";

test("first run to results, and the data is still there after signing out and restarting", async () => {
  const { dir, cleanup } = tempDataDir();
  // The photo dialog "chooses" the fixture, and WebKit's built-in test camera stands in for a webcam.
  let app = await launch(dir, { CENTREBOOK_TEST_OPEN_PHOTO: PHOTO, CENTREBOOK_TEST_MOCK_CAMERA: "1" });
  let b = app.browser;
  try {
    // First run: the office (not a trainer's laptop), the centre and its first admin; the recovery
    // key is shown once.
    await click(b, "#choose-office");
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
    assert.equal(await textOf(b, "#ni-number", (t) => t.length > 0), "AB 12 34 56 C");

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

    // A photo from a file, framed by hand. The frame starts centred, over both halves; made smaller
    // and moved right, it holds only blue, so the saved portrait's corner is blue, not red.
    await click(b, "#choose-photo");
    await click(b, "#photo-from-file");
    await shown(b, "#photo-frame");
    await b.execute(() => document.getElementById("photo-frame").focus());
    for (let i = 0; i < 5; i++) await b.keys("-");
    for (let i = 0; i < 20; i++) await b.keys("ArrowRight");
    await click(b, "#photo-save");
    await shown(b, ".photo img");
    const [r, , blue] = await cornerColour(b);
    assert.ok(blue > 150 && r < 110, `the framed part was kept: corner is rgb(${r}, …, ${blue})`);

    // Then one taken with the camera replaces it.
    await click(b, "#choose-photo");
    await click(b, "#photo-from-camera");
    await b.waitUntil(() => b.execute(() => document.querySelector("dialog video")?.videoWidth > 0), {
      timeout: 10000, timeoutMsg: "the camera never showed a picture",
    });
    await click(b, "#photo-take");
    await shown(b, "#photo-frame");
    await click(b, "#photo-save");
    await textOf(b, "#audit", (t) => (t.match(/Photo changed/g) ?? []).length === 2);

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
    await unlockAndSignIn(b, PASSPHRASE, PASSWORD);
    await fill(b, "#candidate-search", "sian");
    await click(b, ".result");
    await textOf(b, "#candidate-enrolments", (t) => t.includes("FLT-CB") && t.includes("Pass · overridden"));
    await textOf(b, "#audit", (t) => t.includes("Registered"));
  } finally {
    await app.stop();
    cleanup();
  }
});
