import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { boxesOf, cellValue, COMMENTS_MAX, draftOf, liveOutcome, move, observationKey, parseDraft, SaveQueue, type Draft } from "./grid";
import type { ComponentRule, UiError } from "./types";

const theory: ComponentRule = { kind: "marks", max_mark: 25, pass_mark: 20 };
const practical: ComponentRule = { kind: "faults", max_minor_faults: 3, max_major_faults: 0 };
const safety: ComponentRule = { kind: "observation" };
const rules = [theory, practical, safety];

const marks = (mark: string): Draft => ({ kind: "marks", mark });
const faults = (minor: string, major: string): Draft => ({ kind: "faults", minor, major });
const obs = (competent: boolean | null): Draft => ({ kind: "observation", competent });

describe("parseDraft", () => {
  it("reads marks within the range and refuses the rest with a message", () => {
    expect(parseDraft(theory, marks(" 21 "))).toEqual({ ok: true, score: { kind: "marks", mark: 21 } });
    expect(parseDraft(theory, marks("0"))).toEqual({ ok: true, score: { kind: "marks", mark: 0 } });
    expect(parseDraft(theory, marks(""))).toEqual({ ok: true, score: null });
    for (const bad of ["26", "-1", "2.5", "x", "1e1"])
      expect(parseDraft(theory, marks(bad))).toEqual({ ok: false, error: "Enter a whole mark from 0 to 25" });
  });

  it("reads faults, a blank half kept as not yet entered, never as 0", () => {
    expect(parseDraft(practical, faults("2", "0"))).toEqual({ ok: true, score: { kind: "faults", minor: 2, major: 0 } });
    expect(parseDraft(practical, faults("2", ""))).toEqual({ ok: true, score: { kind: "faults", minor: 2, major: null } });
    expect(parseDraft(practical, faults(" ", "1"))).toEqual({ ok: true, score: { kind: "faults", minor: null, major: 1 } });
    expect(parseDraft(practical, faults("", " "))).toEqual({ ok: true, score: null });
    expect(parseDraft(practical, faults("", "100")).ok).toBe(false);
    expect(parseDraft(practical, faults("100", "0")).ok).toBe(false);
    expect(parseDraft(practical, faults("a", "0")).ok).toBe(false);
  });

  it("reads observations and refuses a draft of the wrong kind", () => {
    expect(parseDraft(safety, obs(true))).toEqual({ ok: true, score: { kind: "observation", competent: true } });
    expect(parseDraft(safety, obs(null))).toEqual({ ok: true, score: null });
    expect(parseDraft(safety, marks("3")).ok).toBe(false);
  });

  it("round-trips stored scores through drafts", () => {
    expect(draftOf(theory, { kind: "marks", mark: 7 })).toEqual(marks("7"));
    expect(draftOf(practical, { kind: "faults", minor: 1, major: 0 })).toEqual(faults("1", "0"));
    expect(draftOf(practical, { kind: "faults", minor: null, major: 0 })).toEqual(faults("", "0"));
    expect(draftOf(practical, { kind: "faults", minor: 4, major: null })).toEqual(faults("4", ""));
    expect(draftOf(safety, null)).toEqual(obs(null));
    expect(draftOf(theory, null)).toEqual(marks(""));
  });
});

describe("liveOutcome", () => {
  it("follows the course rule as cells are typed", () => {
    expect(liveOutcome(rules, [marks(""), faults("", ""), obs(null)], true).outcome).toBe("incomplete");
    expect(liveOutcome(rules, [marks("22"), faults("1", "0"), obs(true)], true).outcome).toBe("pass");
    expect(liveOutcome(rules, [marks("22"), faults("1", "1"), obs(true)], true).outcome).toBe("retest");
    expect(liveOutcome(rules, [marks("5"), faults("9", "2"), obs(false)], true).outcome).toBe("fail");
    expect(liveOutcome(rules, [marks("22"), faults("1", "0"), obs(true)], false).outcome).toBe("did_not_attend");
  });

  it("waits while any half of a faults cell is blank, even when the typed half passes", () => {
    expect(liveOutcome(rules, [marks("22"), faults("", "0"), obs(true)], true).outcome).toBe("incomplete");
    expect(liveOutcome(rules, [marks("22"), faults("1", ""), obs(true)], true).outcome).toBe("incomplete");
    expect(liveOutcome(rules, [marks("22"), faults("", "3"), obs(true)], true).outcome).toBe("incomplete");
    expect(liveOutcome(rules, [marks("22"), faults("0", "0"), obs(true)], true).outcome).toBe("pass");
  });

  it("counts an unreadable cell as unmarked, not as a fail", () => {
    expect(liveOutcome(rules, [marks("99"), faults("1", "0"), obs(true)], true).outcome).toBe("incomplete");
  });

  it("grades a pass on the percentage of marks", () => {
    const grades = [
      { grade: "Pass", min_percent: 0 },
      { grade: "Merit", min_percent: 70 },
      { grade: "Distinction", min_percent: 90 },
    ];
    const two: ComponentRule[] = [{ kind: "marks", max_mark: 50, pass_mark: 25 }, { kind: "marks", max_mark: 50, pass_mark: 25 }];
    expect(liveOutcome(two, [marks("45"), marks("46")], true, grades)).toEqual({ outcome: "pass", grade: "Distinction" });
    expect(liveOutcome(two, [marks("35"), marks("36")], true, grades)).toEqual({ outcome: "pass", grade: "Merit" });
    expect(liveOutcome(two, [marks("10"), marks("46")], true, grades)).toEqual({ outcome: "retest", grade: null });
  });
});

describe("keyboard", () => {
  // Theory (one box), Practical (minor, major), Safety (✓, ✗).
  const boxes = rules.map(boxesOf);
  const at = (row: number, col: number, sub = 0) => ({ row, col, sub });

  it("knows how many boxes each kind of cell has", () => expect(boxes).toEqual([1, 2, 2]));

  it("moves Enter and the vertical arrows down the same column, into the same box", () => {
    // The bug: from a Major box, Enter went to the next row's Minor box and typing wiped it.
    expect(move(at(0, 1, 1), "Enter", false, 3, boxes)).toEqual(at(1, 1, 1));
    expect(move(at(0, 1, 1), "ArrowDown", false, 3, boxes)).toEqual(at(1, 1, 1));
    expect(move(at(1, 1, 0), "Enter", false, 3, boxes)).toEqual(at(2, 1, 0));
    expect(move(at(2, 1, 1), "Enter", true, 3, boxes)).toEqual(at(1, 1, 1));
    expect(move(at(2, 1, 1), "ArrowUp", false, 3, boxes)).toEqual(at(1, 1, 1));
    expect(move(at(1, 2, 1), "ArrowDown", false, 3, boxes)).toEqual(at(2, 2, 1));
    expect(move(at(0, 0), "Enter", false, 3, boxes)).toEqual(at(1, 0));
  });

  it("stays inside the grid at its edges", () => {
    expect(move(at(2, 1, 1), "Enter", false, 3, boxes)).toEqual(at(2, 1, 1));
    expect(move(at(0, 1, 1), "ArrowUp", false, 3, boxes)).toEqual(at(0, 1, 1));
    expect(move(at(0, 2, 1), "ArrowRight", false, 3, boxes)).toEqual(at(0, 2, 1));
    expect(move(at(0, 0), "ArrowLeft", false, 3, boxes)).toEqual(at(0, 0));
    expect(move(at(0, 0), "Enter", false, 0, boxes)).toBeNull();
  });

  it("steps box by box across a row with the side arrows, Home and End going to its ends", () => {
    expect(move(at(0, 0), "ArrowRight", false, 3, boxes)).toEqual(at(0, 1, 0));
    expect(move(at(0, 1, 0), "ArrowRight", false, 3, boxes)).toEqual(at(0, 1, 1));
    expect(move(at(0, 1, 1), "ArrowRight", false, 3, boxes)).toEqual(at(0, 2, 0));
    expect(move(at(0, 2, 0), "ArrowLeft", false, 3, boxes), "back into the Major box").toEqual(at(0, 1, 1));
    expect(move(at(0, 1, 1), "ArrowLeft", false, 3, boxes)).toEqual(at(0, 1, 0));
    expect(move(at(0, 1, 0), "ArrowLeft", false, 3, boxes)).toEqual(at(0, 0));
    expect(move(at(1, 1, 1), "Home", false, 3, boxes)).toEqual(at(1, 0));
    expect(move(at(1, 0), "End", false, 3, boxes)).toEqual(at(1, 2, 1));
    expect(move(at(1, 1), "a", false, 3, boxes)).toBeNull();
  });

  it("marks observations with single keys", () => {
    expect(observationKey("c")).toBe(true);
    expect(observationKey("Y")).toBe(true);
    expect(observationKey("n")).toBe(false);
    expect(observationKey("Backspace")).toBeNull();
    expect(observationKey("x")).toBeUndefined();
  });
});

describe("SaveQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const uiError = (kind: UiError["kind"], message: string): UiError => ({ kind, message, field: null, reason: null });

  it("sends each value and reports it saved", async () => {
    const sent: [string, number][] = [];
    const saved: number[] = [];
    const q = new SaveQueue<number, number>(
      async (k, v) => (sent.push([k, v]), v * 10),
      (_k, r) => saved.push(r),
    );
    q.set("a", 1);
    q.set("b", 2);
    await q.settled();
    expect(sent).toEqual([["a", 1], ["b", 2]]);
    expect(saved).toEqual([10, 20]);
    expect(q.statusOf("a")?.state).toBe("saved");
    expect(q.unsaved()).toBe(0);
  });

  it("sends the last value typed while an earlier one is in flight, one request per cell at a time", async () => {
    const sent: number[] = [];
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const q = new SaveQueue<number, number>(
      (_k, v) => {
        sent.push(v);
        inFlight++;
        most = Math.max(most, inFlight);
        return new Promise((r) => release.push(() => (inFlight--, r(v))));
      },
      () => {},
    );
    q.set("a", 2);
    q.set("a", 25);
    q.set("a", 24);
    expect(sent).toEqual([2]);
    release.shift()!();
    await vi.waitFor(() => expect(sent).toEqual([2, 24]));
    release.shift()!();
    await q.settled();
    expect(most).toBe(1);
    expect(q.statusOf("a")?.state).toBe("saved");
  });

  it("keeps retrying a value the store did not get, and never loses it", async () => {
    let fails = 2;
    const saved: number[] = [];
    const q = new SaveQueue<number, number>(
      async (_k, v) => {
        if (fails-- > 0) throw uiError("busy", "the store is in use");
        return v;
      },
      (_k, r) => saved.push(r),
      () => {},
      () => 1000,
    );
    q.set("a", 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(q.statusOf("a")).toEqual({ state: "failed", message: "the store is in use" });
    expect(q.unsaved()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.statusOf("a")?.state).toBe("failed");
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.statusOf("a")?.state).toBe("saved");
    expect(saved).toEqual([7]);
  });

  it("shows a value the store refuses and does not resend it until it changes", async () => {
    const sent: number[] = [];
    const q = new SaveQueue<number, number>(
      async (_k, v) => {
        sent.push(v);
        if (v > 25) throw { kind: "invalid", message: "score: too high", field: "score", reason: "too high" };
        return v;
      },
      () => {},
    );
    q.set("a", 26);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(q.statusOf("a")).toEqual({ state: "rejected", message: "too high" });
    expect(sent).toEqual([26]);
    expect(q.unsaved()).toBe(0);
    q.set("a", 25);
    await q.settled();
    expect(q.statusOf("a")?.state).toBe("saved");
  });

  it("stops at an internal error (a bug) instead of resending the value forever", async () => {
    const sent: number[] = [];
    const q = new SaveQueue<number, number>(
      async (_k, v) => {
        sent.push(v);
        throw uiError("internal", "Centrebook hit an internal error; please report it");
      },
      () => {},
    );
    q.set("a", 3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(q.statusOf("a")).toEqual({ state: "rejected", message: "Centrebook hit an internal error; please report it" });
    expect(sent).toEqual([3]);
  });

  it("keeps retrying after a disk error: the value is not lost", async () => {
    let fails = 1;
    const q = new SaveQueue<number, number>(
      async (_k, v) => {
        if (fails-- > 0) throw uiError("io", "could not write the file: No space left on device");
        return v;
      },
      () => {},
      () => {},
      () => 1000,
    );
    q.set("a", 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(q.statusOf("a")?.state).toBe("failed");
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.statusOf("a")?.state).toBe("saved");
  });

  it("reports every status change to its listener", async () => {
    const seen: string[] = [];
    const q = new SaveQueue<number, number>(async (_k, v) => v, () => {}, (k, s) => seen.push(`${k}:${s.state}`));
    q.set("a", 1);
    await q.settled();
    expect(seen).toEqual(["a:pending", "a:saving", "a:saved"]);
  });
});

describe("cellValue", () => {
  const marks: ComponentRule = { kind: "marks", max_mark: 40, pass_mark: 30 };
  it("sends the comments with the score, trimmed, and a blank comment as none", () => {
    expect(cellValue(marks, { kind: "marks", mark: "35" }, "  Good pace  ")).toEqual({
      ok: true,
      score: { kind: "marks", mark: 35 },
      comments: "Good pace",
    });
    expect(cellValue(marks, { kind: "marks", mark: "35" }, "   ")).toEqual({ ok: true, score: { kind: "marks", mark: 35 }, comments: null });
  });
  it("holds comments back while the cell has no score, and refuses an unreadable score", () => {
    expect(cellValue(marks, { kind: "marks", mark: "" }, "Kept")).toEqual({ ok: true, score: null, comments: null });
    expect(cellValue(marks, { kind: "marks", mark: "41" }, "Kept").ok).toBe(false);
  });
  it("refuses comments longer than the store keeps", () => {
    const r = cellValue(marks, { kind: "marks", mark: "1" }, "x".repeat(COMMENTS_MAX + 1));
    expect(r).toEqual({ ok: false, error: "Keep the comments under 2000 characters" });
  });
});
