// Words for a pasted list's lines, as the run page shows them before and after enrolling.
import { conflictText } from "./matching";
import type { ListLine, ListReport } from "./types";

const who = (c: { forename: string; surname: string; employer: string | null }) =>
  `${c.forename} ${c.surname} (${c.employer ?? "self-booked"})`;

/** What became (or would become) of one line. */
export function fateText(l: ListLine, applied: boolean): string {
  const f = l.fate;
  switch (f.kind) {
    case "enrol": return `${applied ? "Enrolled" : "Will enrol"} ${who(f.candidate)}`;
    case "already": return `Already on this run: ${who(f.candidate)}`;
    case "restricted": return `Not enrolled, processing restricted: ${who(f.candidate)}`;
    case "needs_guardian": return `Not enrolled, ${who(f.candidate)}: ${f.missing}`;
    case "conflict": return `Not enrolled, conflict with ${who(f.candidate)}: ${f.conflicts.map(conflictText).join("; ")}; check which is right`;
    case "full": return `Not enrolled, no place left for ${who(f.candidate)}: ${f.reason}`;
    case "ambiguous": return `${f.count} candidates match: enrol the right one from the search`;
    case "not_found": return "Nobody matches: check the spelling, or register them first";
  }
}

/** How many lines will be (or were) enrolled, and how many are left for a person to look at. */
export function tally(r: ListReport): { enrol: number; left: number } {
  const enrol = r.lines.filter((l) => l.fate.kind === "enrol").length;
  return { enrol, left: r.lines.length - enrol };
}
