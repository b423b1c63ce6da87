// Words and formats a clerk reads (issue 15, point 8), in the real app: the audit trail in people's
// names, form labels and UK dates with no raw ids; phone and NI numbers in their usual groups; the
// centre's whole name in the sidebar; the duplicate offer brought into view. (The certificate's
// "Valid" is checked where certificates are issued, in documents.test.mjs.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { addCandidate, cli, click, fill, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const CENTRE = "Riverside Plant and Forklift Training Centre, Northern Region";
const CLERK = { CENTREBOOK_PASSWORD: "pat's password 2026" };

test("the audit trail, phone and NI numbers, the centre's name and the duplicate offer read as a clerk expects", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir, CENTRE);
  // The work is done by an administrator with a full name, so the trail can show it.
  cli(dir, ["--user", "admin", "user", "add", "pat", "--role", "admin", "--from-json", "-"], { CENTREBOOK_NEW_PASSWORD: CLERK.CENTREBOOK_PASSWORD },
    JSON.stringify({ display_name: "Pat Clerk" }));
  const as = (args) => cli(dir, ["--user", "pat", ...args], CLERK);
  as(["employer", "add", "--name", "Acme Plant Hire", "--postcode", "LS1 4AP", "--phone", "0113 496 0000"]);
  as(["employer", "add", "--name", "Kestrel Logistics"]);
  const sam = addCandidate(dir, { forename: "Sam", surname: "Jones", employer: "Acme Plant Hire", employee_number: "E1042",
    ni_number: "ab 12 34 56 c", date_of_birth: "14/03/1990", mobile: "+44 7700 900123" }, { user: "pat", env: CLERK }).candidate.id;
  as(["candidate", "move", sam, "--employer", "Kestrel Logistics", "--employee-number", "K77"]);

  const { browser: b, stop } = await launch(dir);
  try {
    await b.setWindowSize(1100, 760);
    await unlockAndSignIn(b);

    // The sidebar shows the centre's whole name, wrapped, never cut short.
    const name = await shown(b, "#centre-name");
    assert.equal(await name.getText(), CENTRE);
    const fits = await b.execute(() => {
      const el = document.getElementById("centre-name");
      return el.scrollWidth <= el.clientWidth && getComputedStyle(el).textOverflow !== "ellipsis";
    });
    assert.ok(fits, "the centre's name fits its box");

    await go(b, `candidates/${sam}`);
    assert.equal(await textOf(b, "#ni-number", (t) => t.length > 0), "AB 12 34 56 C");
    assert.equal(await textOf(b, "#mobile", (t) => t.length > 0), "07700 900123");

    // The trail: who by name, what in words, fields as the form labels them, values as people write them.
    const trail = await textOf(b, "#audit", (t) => t.includes("Employer changed"));
    for (const said of ["Pat Clerk", "Registered", "This record", "Date of birth: 14/03/1990", "NI number: AB 12 34 56 C",
      "Mobile: 07700 900123", "Employer: Acme Plant Hire → Kestrel Logistics", "Employee number: E1042 → K77"]) {
      assert.ok(trail.includes(said), `the trail says ${JSON.stringify(said)}:\n${trail}`);
    }
    assert.match(trail, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/, "when, as dd/mm/yyyy hh:mm");
    assert.doesNotMatch(trail, /[0-9a-f]{8}-[0-9a-f]{4}-/, "no record ids");
    assert.doesNotMatch(trail, /_id|date_of_birth|candidate\.add|\+44|\d{4}-\d{2}-\d{2}/, "no keys, codes or stored forms");

    await go(b, "employers");
    await click(b, "#employers tbody a");
    assert.equal(await textOf(b, "#employer-phone", (t) => t.length > 0), "0113 496 0000");

    // Registering the same person again: the offer of the existing record comes into view, focused.
    await go(b, "candidates/new");
    await fill(b, "#c-forename", "Sam");
    await fill(b, "#c-surname", "Jones");
    await fill(b, "#c-ni_number", "AB 12 34 56 C");
    await click(b, "#register");
    await shown(b, "#duplicates");
    await b.waitUntil(
      () => b.execute(() => {
        const r = document.getElementById("duplicates").getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && document.activeElement?.id === "dup-h";
      }),
      { timeout: 5000, timeoutMsg: "the duplicate offer is not in view with the focus on it" },
    );
  } finally {
    await stop();
    cleanup();
  }
});
