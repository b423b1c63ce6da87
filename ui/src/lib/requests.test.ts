import { describe, expect, it } from "vitest";
import { clock, typedFields } from "./requests";
import type { Request } from "./types";

const open = (days_left: number, outcome: Request["outcome"] = null): Request => ({
  id: "r", kind: "access", candidate_id: "c", person: "Ada Lovelace", received_on: "2026-11-01",
  identity_check: "passport", due_on: "2026-12-01", notes: null, outcome, closed_on: null, close_note: null,
  days_left,
});

describe("the request clock", () => {
  it("says overdue in red, a week or less in amber, more in green", () => {
    expect(clock(open(-3))).toEqual({ text: "Overdue by 3 days", tone: "fail" });
    expect(clock(open(-1)).text).toBe("Overdue by 1 day");
    expect(clock(open(0))).toEqual({ text: "Due today", tone: "fail" });
    expect(clock(open(1))).toEqual({ text: "1 day left", tone: "retest" });
    expect(clock(open(7)).tone).toBe("retest");
    expect(clock(open(20))).toEqual({ text: "20 days left", tone: "pass" });
  });
  it("says how a closed request ended", () => {
    expect(clock(open(-30, "withdrawn")).text).toBe("Withdrawn by the person");
  });
});

describe("typed field names", () => {
  it("become the log's names", () => {
    expect(typedFields("Name, date of birth,\ntraining-record ,")).toEqual(["name", "date_of_birth", "training_record"]);
  });
});
