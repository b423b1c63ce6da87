import { describe, expect, it } from "vitest";
import {
  activeDevices, byWhen, fieldsText, sentence, commentOf, conflictSubject, countOf, describeValue, packMessage, passwordProblem, progressOf,
  returnMessage, runsOfTrainer, waitingText,
} from "./sharing";
import type { BundleSummary, Conflict, Device, Run } from "./types";

describe("waitingText", () => {
  it("says how many results the next bundle takes, net of held-back ones", () => {
    const t = waitingText({ awarding_body: "RTITB", new_results: 5, corrections: 0, held_back_restricted: 1, gaps: [] });
    expect(t).toContain("4 results wait to be submitted to RTITB.");
    expect(t).toContain("1 result held back");
  });
  it("mentions corrections, and says when nothing waits", () => {
    const t = waitingText({ awarding_body: "NET", new_results: 0, corrections: 2, held_back_restricted: 0, gaps: [] });
    expect(t).toMatch(/^No results wait for a NET submission\./);
    expect(t).toContain("2 submitted results changed since: make a correction bundle for them.");
    expect(waitingText({ awarding_body: "X", new_results: 1, corrections: 0, held_back_restricted: 0, gaps: [] })).toBe(
      "1 result waits to be submitted to X.",
    );
  });
});

describe("passwordProblem", () => {
  it("allows no password at all", () => expect(passwordProblem("", "")).toBeNull());
  it("wants ten characters", () => expect(passwordProblem("short", "short")).toMatch(/10 characters/));
  it("wants the same password twice", () => {
    expect(passwordProblem("a long password", "a long passwore")).toMatch(/differ/);
    expect(passwordProblem("a long password", "")).toMatch(/differ/);
    expect(passwordProblem("a long password", "a long password")).toBeNull();
  });
});

describe("progressOf", () => {
  it("moves forward through the stages", () => {
    const start = progressOf(null).percent;
    const gathered = progressOf({ stage: "gathered", done: 3, total: 3 });
    const half = progressOf({ stage: "photos", done: 50, total: 100 });
    const sealing = progressOf({ stage: "sealing", done: 3, total: 3 });
    expect(start).toBeLessThan(gathered.percent);
    expect(gathered.percent).toBeLessThan(half.percent);
    expect(half.percent).toBeLessThan(sealing.percent);
    expect(half.text).toBe("Fitting photos to the body's rules: 50 of 100");
    expect(gathered.text).toMatch(/^3 results chosen/);
  });
  it("copes with a photo stage of nothing", () => {
    expect(progressOf({ stage: "photos", done: 0, total: 0 }).percent).toBe(10);
  });
});

describe("describeValue", () => {
  it("shows attendance in words", () => {
    expect(describeValue("did_not_attend")).toBe("Did not attend");
    expect(describeValue(null)).toBe("Nothing recorded");
  });
  it("shows each kind of score with its date", () => {
    expect(describeValue({ score: { kind: "marks", mark: 31 }, assessed_on: "2026-11-18", comments: null })).toBe(
      "Mark 31, assessed 18/11/2026",
    );
    expect(describeValue({ score: { kind: "faults", minor: 2, major: 1 }, assessed_on: null })).toBe("2 minor, 1 major fault");
    expect(describeValue({ score: { kind: "faults", minor: null, major: 1 }, assessed_on: null })).toBe("— minor, 1 major fault");
    expect(describeValue({ score: { kind: "faults", minor: 3, major: null }, assessed_on: null })).toBe("3 minor, — major faults");
    expect(describeValue({ score: { kind: "observation", competent: false } })).toBe("Not yet competent");
    // The core's JSON form of a score, without a kind tag, reads the same.
    expect(describeValue({ score: { mark: 20 } })).toBe("Mark 20");
  });
  it("shows a walk-in as given and the person already registered", () => {
    expect(describeValue({ forename: "Dylan", surname: "Thomas", employer: "Acme Haulage Ltd", employee_number: "E1042" })).toBe(
      "Dylan Thomas, Acme Haulage Ltd, employee number E1042",
    );
    expect(describeValue({ forename: "Ffion", surname: "Hughes", employer: null, employee_number: null })).toBe("Ffion Hughes, no employer given");
    expect(describeValue({ candidate: "Siân Llewelyn", employer: "Acme Haulage Ltd", employee_number: "E1042" })).toBe(
      "Siân Llewelyn, Acme Haulage Ltd, employee number E1042",
    );
  });
  it("shows an override with its reason apart", () => {
    const o = { outcome: "pass", grade: null, reason: "Oral re-assessment passed on site" };
    expect(describeValue(o)).toBe("Override: Pass");
    expect(commentOf(o)).toBe("Oral re-assessment passed on site");
  });
  it("keeps comments apart", () => {
    expect(commentOf({ score: { mark: 1 }, comments: "Re-sat" })).toBe("Re-sat");
    expect(commentOf({ score: { mark: 1 }, comments: "" })).toBeNull();
    expect(commentOf("attended")).toBeNull();
  });
});

const conflict = (over: Partial<Conflict>): Conflict => ({
  id: "c1", return_id: "r1", kind: "result", enrolment_id: "e1", run_id: "run1", course_code: "FLT", candidate: "Bob Llewelyn",
  component_id: "k1", component: "Theory", base: null, office: null, office_by: null, office_at: null, field: null,
  field_by: "tess", field_at: null, reason: "", created_at: "2026-11-18T10:00:00Z", resolution: null, resolved_at: null,
  resolved_by: null, ...over,
});

describe("conflicts", () => {
  it("names what the conflict is about", () => {
    expect(conflictSubject(conflict({}))).toBe("Theory result");
    expect(conflictSubject(conflict({ kind: "attendance", component: null }))).toBe("Attendance");
    expect(conflictSubject(conflict({ kind: "override", component: null }))).toBe("Overridden outcome");
    expect(conflictSubject(conflict({ kind: "walk_in", component: null }))).toMatch(/^Walk-in/);
  });
  it("makes a reason one sentence", () => {
    expect(sentence("the same number under another name: the same person, or a number reused?")).toBe(
      "The same number under another name: the same person, or a number reused?",
    );
    expect(sentence("changed at the office since the pack was made")).toBe("Changed at the office since the pack was made.");
  });
  it("says who and when, or that it is not known", () => {
    expect(byWhen("olly", null)).toBe("by olly");
    expect(byWhen(null, null)).toBe("who and when not known");
    expect(byWhen("olly", "2026-11-18T10:05:00Z")).toMatch(/^by olly, \d\d\/11\/2026 \d\d:05$/);
  });
});

describe("messages", () => {
  it("reports an applied return with its conflicts", () => {
    const m = returnMessage({
      status: "applied", return_id: "r", device_id: "d", trainer_id: "t", applied: 3, unchanged: 0, photos: 1, walk_ins: 0,
      conflicts: [conflict({})],
    });
    expect(m).toBe("Return applied: 3 changes applied, 0 already here, 1 photo added. 1 conflict waits for your decision below.");
    const w = returnMessage({
      status: "applied", return_id: "r", device_id: "d", trainer_id: "t", applied: 1, unchanged: 0, photos: 0, walk_ins: 2,
      conflicts: [],
    });
    expect(w).toBe("Return applied: 1 change applied, 0 already here, 0 photos added, 2 walk-ins registered. No conflicts.");
  });
  it("says a replayed return changed nothing", () => {
    expect(returnMessage({ status: "already_applied", return_id: "r" })).toMatch(/applied already: nothing changed/);
    expect(returnMessage({ status: "superseded", return_id: "r", seq: 1, latest: 2 })).toMatch(/older than number 2/);
  });
  it("reports a pack", () => {
    expect(packMessage({ status: "already_imported", pack_id: "p" })).toMatch(/nothing changed/);
    expect(
      packMessage({ status: "imported", pack_id: "p", device_id: "d", trainer_id: "t", runs: 1, candidates: 2, with_results: 1, disclosure_id: null }),
    ).toBe("Field pack imported: 1 course run, 2 candidates, 1 with results so far.");
  });
});

describe("choosing runs and laptops for a pack", () => {
  const run = (id: string, starts: string, trainer: string): Run => ({
    id, course_id: "c", course_code: "C", course_title: "T", category: "", starts_on: starts, ends_on: starts,
    assessment_on: null, venue: null, employer_id: null, employer: null, site_contact_id: null, site_contact: null,
    trainers: [{ id: trainer, name: trainer }], enrolled: 0, course_version: 1, cancelled_at: null, cancel_reason: null, capacity: null,
  });
  it("lists only the trainer's runs, soonest first", () => {
    const runs = [run("b", "2026-12-01", "t1"), run("x", "2026-11-01", "t2"), run("a", "2026-11-20", "t1")];
    expect(runsOfTrainer(runs, "t1").map((r) => r.id)).toEqual(["a", "b"]);
  });
  it("offers only laptops not revoked", () => {
    const d = (id: string, revoked: string | null): Device => ({
      id, fingerprint: id, trainer_id: "t1", trainer: "Tess", label: id, registered_at: "", revoked_at: revoked,
    });
    expect(activeDevices([d("a", null), d("b", "2026-11-01T00:00:00Z")], "t1").map((x) => x.id)).toEqual(["a"]);
  });
  it("reads counts that may be missing", () => {
    const b = { counts: { results: 4 } } as unknown as BundleSummary;
    expect(countOf(b, "results")).toBe(4);
    expect(countOf(b, "photos")).toBe(0);
  });
});

describe("fieldsText", () => {
  it("names the disclosed fields as people read them", () => {
    expect(fieldsText(["name", "ni_number", "home_address", "test_date"])).toBe("Name, NI number, Home address, Test date");
    expect(fieldsText(["something_new"])).toBe("something new");
  });
});
