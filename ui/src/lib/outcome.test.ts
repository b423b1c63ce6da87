import { describe, expect, it } from "vitest";
import { computeOutcome, passes } from "./outcome";
import type { ComponentRule } from "./types";

// The same cases as centrebook-core's records/outcome.rs tests, so the live preview and the stored
// outcome agree.
const marks: ComponentRule = { kind: "marks", max_mark: 40, pass_mark: 28 };
const faults: ComponentRule = { kind: "faults", max_minor_faults: 3, max_major_faults: 0 };

describe("computeOutcome", () => {
  it("is did_not_attend when absent, whatever the scores", () => {
    expect(computeOutcome([marks], [{ kind: "marks", mark: 40 }], false).outcome).toBe("did_not_attend");
  });
  it("is incomplete with a component unmarked or no components", () => {
    expect(computeOutcome([marks, faults], [{ kind: "marks", mark: 30 }, null], true).outcome).toBe("incomplete");
    expect(computeOutcome([], [], true).outcome).toBe("incomplete");
  });
  it("passes at the pass mark and within fault limits, inclusive", () => {
    expect(passes(marks, { kind: "marks", mark: 28 })).toBe(true);
    expect(passes(marks, { kind: "marks", mark: 27 })).toBe(false);
    expect(passes(faults, { kind: "faults", minor: 3, major: 0 })).toBe(true);
    expect(passes(faults, { kind: "faults", minor: 3, major: 1 })).toBe(false);
    expect(passes(marks, { kind: "faults", minor: 0, major: 0 })).toBe(false);
  });
  it("is retest when some but not all components fail", () => {
    expect(computeOutcome([marks, faults], [{ kind: "marks", mark: 30 }, { kind: "faults", minor: 4, major: 0 }], true).outcome).toBe("retest");
    expect(computeOutcome([marks, faults], [{ kind: "marks", mark: 3 }, { kind: "faults", minor: 4, major: 0 }], true).outcome).toBe("fail");
  });
  it("grades only passes, by the highest band reached, and not without marks", () => {
    const bands = [{ grade: "Merit", min_percent: 70 }, { grade: "Distinction", min_percent: 85 }];
    expect(computeOutcome([marks], [{ kind: "marks", mark: 35 }], true, bands)).toEqual({ outcome: "pass", grade: "Distinction" });
    expect(computeOutcome([marks], [{ kind: "marks", mark: 29 }], true, bands)).toEqual({ outcome: "pass", grade: "Merit" });
    expect(computeOutcome([faults], [{ kind: "faults", minor: 0, major: 0 }], true, bands)).toEqual({ outcome: "pass", grade: null });
  });
});
