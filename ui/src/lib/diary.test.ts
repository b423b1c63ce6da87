import { describe, expect, it } from "vitest";
import { addDays, monthStart, monthWeeks, placesText, runsOn, weekDays, weekStart } from "./diary";
import type { DiaryRun, Places } from "./types";

const places = (taken: number, limit: number | null): Places => ({
  run_id: "r", taken, capacity: limit, per_trainer: null, trainers: 1, ratio_limit: null, limit, free: limit === null ? null : Math.max(limit - taken, 0),
});

describe("the diary's calendar", () => {
  it("starts weeks on Monday and crosses months and years", () => {
    expect(weekStart("2026-12-06")).toBe("2026-11-30"); // a Sunday
    expect(weekStart("2026-12-07")).toBe("2026-12-07"); // a Monday
    expect(weekDays("2027-01-01")).toEqual(["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03"]);
    expect(addDays("2026-03-28", 2)).toBe("2026-03-30"); // over the clocks going forward
  });

  it("covers a month with whole weeks", () => {
    const weeks = monthWeeks("2026-12-15");
    expect(weeks[0][0]).toBe("2026-11-30");
    expect(weeks.at(-1)!.at(-1)).toBe("2027-01-03");
    expect(weeks.length).toBe(5);
    expect(monthStart("2026-12-15", 1)).toBe("2027-01-01");
    expect(monthStart("2026-01-31", -1)).toBe("2025-12-01");
  });

  it("puts a run on every day from its first to its last", () => {
    const run = { run: { starts_on: "2026-12-07", ends_on: "2026-12-09" }, places: places(0, null) } as unknown as DiaryRun;
    expect(["2026-12-06", "2026-12-07", "2026-12-09", "2026-12-10"].map((d) => runsOn([run], d).length)).toEqual([0, 1, 1, 0]);
  });

  it("says places taken of places available, and when a run is full", () => {
    expect(placesText(places(3, 12))).toEqual({ text: "3 of 12 places", full: false });
    expect(placesText(places(3, 3))).toEqual({ text: "3 of 3 places", full: true });
    expect(placesText(places(4, null))).toEqual({ text: "4 booked", full: false });
  });
});

describe("an over-capacity refusal on a form", () => {
  it("goes beside the places field, whole", async () => {
    const { placeError } = await import("./errors");
    const e = { kind: "over_capacity", message: "over the run's places: 3 candidates for 2 places (2 places on the run)", field: "places", reason: "2 places on the run" };
    expect(placeError(e, { places: "places" })).toEqual({ fields: { places: "Over the run's places: 3 candidates for 2 places (2 places on the run)" }, form: null });
    expect(placeError(e, {})).toEqual({ fields: {}, form: "Over the run's places: 3 candidates for 2 places (2 places on the run)" });
  });
});
