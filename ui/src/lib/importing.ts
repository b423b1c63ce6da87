// The import screen's logic: the column mapping as a person edits it (each column of the file gets a
// field, or none), turned back into the overrides the core takes; and the fate table's filters.
import type { Field, ImportReport, Mapping, Problem, RowFate, RowStatus } from "./types";

/** Every field, in the core's order, with the words the screen uses. */
export const FIELDS: { field: Field; label: string }[] = [
  { field: "forename", label: "Forename" },
  { field: "surname", label: "Surname" },
  { field: "employer", label: "Employer" },
  { field: "employee_number", label: "Employee number" },
  { field: "ni_number", label: "NI number" },
  { field: "date_of_birth", label: "Date of birth" },
  { field: "address", label: "Home address (columns joined)" },
  { field: "postcode", label: "Postcode" },
  { field: "email", label: "Email" },
  { field: "mobile", label: "Mobile" },
  { field: "driving_licence", label: "Driving licence number" },
];

export const FIELD_LABEL = Object.fromEntries(FIELDS.map((f) => [f.field, f.label])) as Record<Field, string>;

/** What each column of the file fills: `null` for none. Index = column. */
export type ColumnChoice = (Field | null)[];

/** The report's field → headers mapping, as a choice per column. A header named twice in the
 * file goes to its first column, as the core reads it. */
export function columnsOf(headers: string[], mapping: Mapping): ColumnChoice {
  const choice: ColumnChoice = headers.map(() => null);
  for (const { field } of FIELDS) {
    for (const h of mapping[field] ?? []) {
      const i = headers.findIndex((x, j) => x === h && choice[j] === null);
      if (i >= 0) choice[i] = field;
    }
  }
  return choice;
}

/** The overrides that make the core use exactly `choice`: every field once per column it takes (in
 * file order), and an empty header for a field no column fills. With a fixed employer the file's
 * employer column is not used, so it is left out. */
export function overridesOf(headers: string[], choice: ColumnChoice, fixedEmployer = false): [Field, string][] {
  const out: [Field, string][] = [];
  for (const { field } of FIELDS) {
    if (field === "employer" && fixedEmployer) continue;
    const cols = headers.filter((h, i) => choice[i] === field && h !== "");
    if (cols.length === 0) out.push([field, ""]);
    else for (const h of cols) out.push([field, h]);
  }
  return out;
}

/** What is wrong with a choice before the core is asked: required fields missing, and a field other
 * than the address taken from two columns. */
export function mappingProblems(headers: string[], choice: ColumnChoice): string[] {
  const problems: string[] = [];
  for (const req of ["forename", "surname"] as Field[]) {
    if (!choice.includes(req)) problems.push(`Choose the column that holds the ${FIELD_LABEL[req].toLowerCase()}.`);
  }
  for (const { field, label } of FIELDS) {
    if (field === "address") continue;
    const cols = headers.filter((_, i) => choice[i] === field);
    if (cols.length > 1) problems.push(`${label} can come from one column only (now: ${cols.map((c) => `"${c}"`).join(", ")}).`);
  }
  return problems;
}

/** Which rows the fate table shows. */
export type FateFilter = "all" | RowStatus;

export const FATE_LABEL: Record<RowStatus, string> = {
  imported: "Import",
  warned: "Import, check",
  matched: "Already registered",
  rejected: "Rejected",
};

/** The same words after the import has run. */
export const DONE_LABEL: Record<RowStatus, string> = {
  imported: "Imported",
  warned: "Imported, check",
  matched: "Already registered",
  rejected: "Rejected",
};

export function filterRows(rows: RowFate[], filter: FateFilter): RowFate[] {
  return filter === "all" ? rows : rows.filter((r) => r.status === filter);
}

/** Rows an import writes: those imported with or without warnings. */
export function goodRows(r: ImportReport): number {
  return r.counts.imported + r.counts.warned;
}

/** A row's problems to show, one a line; a matched row's reason has no column. */
export function problemsOf(row: RowFate): Problem[] {
  if (row.problems.length) return row.problems;
  return row.reasons.map((reason) => ({ column: null, reason }));
}

/** The filter buttons, with how many rows each would show. */
export function filterCounts(r: ImportReport): { filter: FateFilter; label: string; count: number }[] {
  const c = r.counts;
  return [
    { filter: "all", label: "All rows", count: r.rows.length },
    { filter: "imported", label: r.dry_run ? "To import" : "Imported", count: c.imported },
    { filter: "warned", label: "With warnings", count: c.warned },
    { filter: "matched", label: "Already registered", count: c.matched },
    { filter: "rejected", label: "Rejected", count: c.rejected },
  ];
}

/** "1 row" / "3 rows". */
export function rows(n: number): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? "row" : "rows"}`;
}
