import { describe, expect, it } from "vitest";
import shared from "../../../src-tauri/core/src/records/outcome_cases.json";
import { computeOutcome, isWhole, passes } from "./outcome";
import type { ComponentRule, GradeBand, Outcome, Score } from "./types";

// The very cases centrebook-core's records/outcome.rs is tested against, read from the core's file,
// so the live preview and the stored outcome cannot drift apart.
const rulesByName = shared.rules as Record<string, ComponentRule>;
const cases = shared.cases as {
  why: string;
  rules: string[];
  scores: (Score | null)[];
  attended?: boolean;
  graded?: boolean;
  outcome: Outcome;
  grade?: string;
}[];

describe("computeOutcome", () => {
  it("reads the core's cases", () => expect(cases.length).toBeGreaterThanOrEqual(15));
  it.each(cases)("$why", (c) => {
    const rules = c.rules.map((r) => rulesByName[r]);
    const bands = c.graded ? (shared.bands as GradeBand[]) : [];
    expect(computeOutcome(rules, c.scores, c.attended ?? true, bands)).toEqual({ outcome: c.outcome, grade: c.grade ?? null });
  });
});

const marks: ComponentRule = { kind: "marks", max_mark: 40, pass_mark: 28 };
const faults: ComponentRule = { kind: "faults", max_minor_faults: 3, max_major_faults: 0 };

describe("passes", () => {
  it("passes at the pass mark and within fault limits, inclusive", () => {
    expect(passes(marks, { kind: "marks", mark: 28 })).toBe(true);
    expect(passes(marks, { kind: "marks", mark: 27 })).toBe(false);
    expect(passes(faults, { kind: "faults", minor: 3, major: 0 })).toBe(true);
    expect(passes(faults, { kind: "faults", minor: 3, major: 1 })).toBe(false);
    expect(passes(marks, { kind: "faults", minor: 0, major: 0 })).toBe(false);
  });
  it("never passes a faults count with a blank half, and calls it not whole", () => {
    expect(passes(faults, { kind: "faults", minor: null, major: 0 })).toBe(false);
    expect(passes(faults, { kind: "faults", minor: 0, major: null })).toBe(false);
    expect(isWhole({ kind: "faults", minor: null, major: 0 })).toBe(false);
    expect(isWhole({ kind: "faults", minor: 0, major: 0 })).toBe(true);
    expect(isWhole({ kind: "marks", mark: 0 })).toBe(true);
  });
});
