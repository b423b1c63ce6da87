import { describe, expect, it } from "vitest";
import { fateText, tally } from "./enrolList";
import type { CandidateRow, ListReport } from "./types";

const row = (forename: string, employer: string | null) =>
  ({ id: forename, forename, surname: "Jones", employer, employee_number: null, restricted: false }) as unknown as CandidateRow;

const report: ListReport = {
  enrolled: 0,
  lines: [
    { line: 1, fate: { kind: "enrol", candidate: row("Gareth", "Acme") } },
    { line: 2, fate: { kind: "already", candidate: row("Dewi", null) } },
    { line: 4, fate: { kind: "ambiguous", count: 3 } },
    { line: 5, fate: { kind: "not_found" } },
    { line: 6, fate: { kind: "conflict", candidate: row("Mair", null), conflicts: [{ matched: "ni_number", contradicted_by: "name_and_date_of_birth" }] } },
  ],
};

describe("a pasted list's lines", () => {
  it("say what will happen before, and what happened after", () => {
    expect(fateText(report.lines[0], false)).toBe("Will enrol Gareth Jones (Acme)");
    expect(fateText(report.lines[0], true)).toBe("Enrolled Gareth Jones (Acme)");
    expect(fateText(report.lines[1], false)).toBe("Already on this run: Dewi Jones (self-booked)");
    expect(fateText(report.lines[2], false)).toMatch(/^3 candidates match/);
    expect(fateText(report.lines[3], false)).toMatch(/^Nobody matches/);
    expect(fateText(report.lines[4], false)).toBe(
      "Not enrolled, conflict with Mair Jones (self-booked): the same NI number, but a different name and date of birth; check which is right",
    );
  });
  it("say when a run had no place left for a line", () => {
    const full = { line: 7, fate: { kind: "full" as const, candidate: row("Nia", "Acme"), reason: "over the run's places: 3 candidates for 2 places (2 places on the run)" } };
    expect(fateText(full, false)).toBe("Not enrolled, no place left for Nia Jones (Acme): over the run's places: 3 candidates for 2 places (2 places on the run)");
  });
  it("are counted as to enrol and left for a person", () => {
    expect(tally(report)).toEqual({ enrol: 1, left: 4 });
  });
});
