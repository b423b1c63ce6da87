import { describe, expect, it } from "vitest";
import { columnsOf, filterCounts, filterRows, goodRows, mappingProblems, overridesOf, problemsOf } from "./importing";
import type { ImportReport, RowFate } from "./types";

const headers = ["First name", "Last name", "Address line 1", "Town", "Notes", "", "Mobile"];

describe("columnsOf", () => {
  it("gives each column the field the report mapped it to, and none to the rest", () => {
    const choice = columnsOf(headers, {
      forename: ["First name"],
      surname: ["Last name"],
      address: ["Address line 1", "Town"],
      mobile: ["Mobile"],
    });
    expect(choice).toEqual(["forename", "surname", "address", "address", null, null, "mobile"]);
  });
  it("sends a header the file holds twice to its first column only", () => {
    expect(columnsOf(["Name", "Name", "Surname"], { forename: ["Name"], surname: ["Surname"] })).toEqual([
      "forename",
      null,
      "surname",
    ]);
  });
});

describe("overridesOf", () => {
  it("names every field: its columns in file order, or an empty header to leave it out", () => {
    const o = overridesOf(headers, ["forename", "surname", "address", "address", "email", null, null]);
    expect(o.filter(([f]) => f === "address")).toEqual([["address", "Address line 1"], ["address", "Town"]]);
    expect(o).toContainEqual(["email", "Notes"]);
    expect(o).toContainEqual(["mobile", ""]);
    expect(new Set(o.map(([f]) => f)).size).toBe(11);
  });
  it("round-trips a mapping unchanged", () => {
    const mapping = { forename: ["First name"], surname: ["Last name"], mobile: ["Mobile"] };
    const o = overridesOf(headers, columnsOf(headers, mapping));
    expect(o.filter(([, h]) => h !== "")).toEqual([["forename", "First name"], ["surname", "Last name"], ["mobile", "Mobile"]]);
  });
  it("leaves the employer column out when every row has one employer", () => {
    const choice = [null, null, null, null, "employer", null, null] as const;
    expect(overridesOf(headers, [...choice], true).some(([f]) => f === "employer")).toBe(false);
    expect(overridesOf(headers, [...choice], false)).toContainEqual(["employer", "Notes"]);
  });
  it("never names a column without a header", () => {
    expect(overridesOf(headers, [null, null, null, null, null, "email", null])).toContainEqual(["email", ""]);
  });
});

describe("mappingProblems", () => {
  it("asks for the forename and surname columns", () => {
    const p = mappingProblems(headers, ["forename", null, null, null, null, null, null]);
    expect(p).toEqual(["Choose the column that holds the surname."]);
  });
  it("allows several address columns but one column for anything else", () => {
    expect(mappingProblems(headers, ["forename", "surname", "address", "address", null, null, null])).toEqual([]);
    const p = mappingProblems(headers, ["forename", "surname", "mobile", null, null, null, "mobile"]);
    expect(p).toEqual(['Mobile can come from one column only (now: "Address line 1", "Mobile").']);
  });
});

const fate = (line: number, status: RowFate["status"], problems: RowFate["problems"] = [], reasons: string[] = []): RowFate => ({
  line,
  status,
  reasons: reasons.length ? reasons : problems.map((p) => p.reason),
  problems,
});

const report: ImportReport = {
  dry_run: true,
  format: "csv",
  encoding: "UTF-8",
  delimiter: ",",
  headers,
  mapping: {},
  ignored_columns: [],
  employers_created: [],
  mapping_saved: false,
  counts: { imported: 2, warned: 1, matched: 1, rejected: 1, blank: 0 },
  rows: [
    fate(2, "imported"),
    fate(3, "warned", [{ column: "Mobile", reason: "mobile: check it" }]),
    fate(4, "matched", [], ["already registered (the same NI number)"]),
    fate(5, "rejected", [{ column: "DOB", reason: "date of birth: is in the future" }]),
    fate(6, "imported"),
  ],
};

describe("the fate table", () => {
  it("filters by fate and counts each filter", () => {
    expect(filterRows(report.rows, "all")).toHaveLength(5);
    expect(filterRows(report.rows, "rejected").map((r) => r.line)).toEqual([5]);
    expect(filterRows(report.rows, "imported").map((r) => r.line)).toEqual([2, 6]);
    expect(filterCounts(report).map((f) => [f.filter, f.count])).toEqual([
      ["all", 5],
      ["imported", 2],
      ["warned", 1],
      ["matched", 1],
      ["rejected", 1],
    ]);
    expect(filterCounts(report)[1].label).toBe("To import");
    expect(filterCounts({ ...report, dry_run: false })[1].label).toBe("Imported");
  });
  it("counts rows imported with warnings as good rows", () => {
    expect(goodRows(report)).toBe(3);
  });
  it("shows a matched row's reason without a column", () => {
    expect(problemsOf(report.rows[2])).toEqual([{ column: null, reason: "already registered (the same NI number)" }]);
    expect(problemsOf(report.rows[3])).toEqual([{ column: "DOB", reason: "date of birth: is in the future" }]);
  });
});
