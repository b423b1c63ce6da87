// A trainer signs in on the same laptop: they see the candidates on their runs and record results,
// but never NI numbers, and are not offered what their role cannot do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cli, click, fill, go, initStore, launch, picture, shown, signIn, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const TRAINER_PASSWORD = "trainer password 1";

test("a trainer account cannot see NI numbers", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const name = JSON.stringify({ display_name: "Tess Evans" });
  cli(dir, ["--user", "admin", "user", "add", "tess", "--role", "trainer", "--from-json", "-"], {
    CENTREBOOK_NEW_PASSWORD: TRAINER_PASSWORD,
  }, name);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);

    // The admin links Tess's account to a trainer, adds a course and a candidate with an NI number,
    // and schedules a run that Tess trains.
    await click(b, "#nav-trainers");
    await click(b, "#new-trainer");
    await fill(b, "#t-name", "Tess Evans");
    await fill(b, "#t-username", "tess");
    await fill(b, "#t-scheme", "NPORS");
    await fill(b, "#t-number", "N123456");
    await click(b, "#save-trainer");
    await textOf(b, "#trainers", (t) => t.includes("Tess Evans") && t.includes("NPORS N123456"));
    await click(b, "#nav-courses");
    await click(b, "#new-course");
    await fill(b, "#co-code", "EXC-360");
    await fill(b, "#co-title", "360 excavator");
    await fill(b, "#co-category", "360 excavator");
    await click(b, "#save-course");
    await textOf(b, "#courses", (t) => t.includes("EXC-360"));
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Owen");
    await fill(b, "#c-surname", "Pritchard");
    await fill(b, "#c-ni_number", "JG 10 37 59 A");
    await click(b, "#register");
    assert.equal(await textOf(b, "#ni-number", (t) => t.length > 0), "JG 10 37 59 A");
    // Nia is on no run of Tess's: her page will not open for Tess.
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Nia");
    await fill(b, "#c-surname", "Outside");
    await click(b, "#register");
    await textOf(b, "#candidate-name", (t) => t === "Nia Outside");
    const nia = await b.execute(() => location.hash.split("/").pop());
    await go(b, "runs/new");
    await click(b, "input.tick");
    await fill(b, "#r-venue", "Quarry site");
    await click(b, "#save-run");
    await fill(b, "#enrol-search", "pritchard");
    await click(b, "button.enrol");
    await textOf(b, "#enrolments", (t) => t.includes("Pritchard, Owen"));

    // Tess signs in.
    await click(b, "#switch-user");
    await signIn(b, "tess", TRAINER_PASSWORD);
    await textOf(b, "#runs", (t) => t.includes("360 excavator"));
    assert.equal(await (await b.$("#nav-trainers")).isExisting(), false);
    assert.equal(await (await b.$("#new-run")).isExisting(), false);

    // Her candidates list has Owen, with no NI number anywhere on his page.
    await click(b, "#nav-candidates");
    assert.equal(await (await b.$("#new-candidate")).isExisting(), false);
    await fill(b, "#candidate-search", "owen");
    await click(b, ".result");
    await textOf(b, "#candidate-name", (t) => t === "Owen Pritchard");
    const facts = await (await shown(b, "#candidate-facts")).getText();
    assert.ok(!facts.includes("NI number"), facts);
    assert.equal(await (await b.$("#ni-number")).isExisting(), false);
    const page = await (await b.$("#content")).getText();
    assert.ok(!page.includes("JG103759A") && !page.includes("JG 10 37 59 A"), "no NI number on the page");
    await picture(b, "trainer-candidate-on-her-run");

    // A candidate on none of her runs is not found, as an id that does not exist would be.
    await go(b, `candidates/${nia}`);
    assert.match(await textOf(b, "#error", (t) => t.length > 0), /no candidate called/i);
    assert.ok(!(await (await b.$("#content")).getText()).includes("Outside"), "nothing of Nia's on the page");
    await picture(b, "trainer-candidate-outside-her-runs");

    // Searching by his NI number finds nobody for a trainer.
    await go(b, "candidates");
    await fill(b, "#candidate-search", "JG103759A");
    await textOf(b, "[role=status]", (t) => t === "No candidates match");

    // She can record his results on her run.
    await go(b, "runs");
    await click(b, "#runs tbody a");
    await click(b, "#enter-results");
    await fill(b, 'input[data-row="0"][data-col="0"]', "24");
    await fill(b, 'input[data-row="0"][data-col="1"][data-sub="0"]', "0");
    // The major box is still blank: not entered yet, so the outcome waits for it.
    await textOf(b, 'tr [data-outcome]', (t) => t === "Incomplete");
    await fill(b, 'input[data-row="0"][data-col="1"][data-sub="1"]', "0");
    await textOf(b, 'tr [data-outcome]', (t) => t === "Pass");
    await textOf(b, "#save-state", (t) => t === "All results saved");
  } finally {
    await stop();
    cleanup();
  }
});
