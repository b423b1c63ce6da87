// What the sharing screens show, worked out apart from the screens so it can be tested: submission
// statuses and counts, bundle progress, the password typed twice, and the two sides of a conflict
// between the office and a trainer's laptop in plain words.
import { ATTENDANCE_WORDS, OUTCOME_WORDS } from "./bindings/Words";
import { ukDate, ukDateTime } from "./dates";
import type {
  BundleProgress, BundleSummary, Conflict, Device, PackImport, ReturnImport, Run, SubmissionStatus, Waiting,
} from "./types";

export const STATUS_LABEL: Record<SubmissionStatus, string> = {
  created: "Made, not sent",
  sent: "Sent",
  acknowledged: "Acknowledged",
};

/** DOMAIN.md's names of the fields a bundle held, as people read them. */
const FIELD_LABEL: Record<string, string> = {
  name: "Name",
  date_of_birth: "Date of birth",
  ni_number: "NI number",
  home_address: "Home address",
  photograph: "Photograph",
  course_dates: "Course dates",
  course_length: "Course length",
  course_type: "Course type",
  equipment: "Equipment",
  test_date: "Test date",
  trainer: "Trainer",
  result: "Result",
};

/** "Name, NI number, Course dates" from the disclosure log's field names (unknown ones as written). */
export function fieldsText(fields: string[]): string {
  return fields.map((f) => FIELD_LABEL[f] ?? f.replaceAll("_", " ")).join(", ");
}

/** A count from a submission's manifest counts (0 when absent). */
export function countOf(b: BundleSummary, key: string): number {
  return Number(b.counts[key] ?? 0);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** "3 results wait…" above the Create button. */
export function waitingText(w: Waiting): string {
  const parts: string[] = [];
  const take = w.new_results - Math.min(w.held_back_restricted, w.new_results);
  parts.push(
    w.new_results === 0
      ? `No results wait for a ${w.awarding_body} submission.`
      : `${plural(take, "result")} ${take === 1 ? "waits" : "wait"} to be submitted to ${w.awarding_body}.`,
  );
  if (w.corrections > 0) {
    parts.push(`${plural(w.corrections, "submitted result")} changed since: make a correction bundle for ${w.corrections === 1 ? "it" : "them"}.`);
  }
  if (w.held_back_restricted > 0) {
    parts.push(`${plural(w.held_back_restricted, "result")} held back: the candidate's processing is restricted.`);
  }
  return parts.join(" ");
}

/** Why the two password boxes cannot be used yet; null when fine (both empty means no password). */
export function passwordProblem(first: string, second: string): string | null {
  if (first === "" && second === "") return null;
  if (first.length < 10) return "Use at least 10 characters, or leave both boxes empty for no password.";
  if (first !== second) return "The two passwords differ: type the same one twice.";
  return null;
}

/** What a progress report says, and how far along (0–100) the bar is. */
export function progressOf(p: BundleProgress | null): { text: string; percent: number } {
  if (!p) return { text: "Choosing the results…", percent: 2 };
  switch (p.stage) {
    case "gathered":
      return { text: `${plural(p.total, "result")} chosen; preparing the files…`, percent: 10 };
    case "photos":
      return {
        text: `Fitting photos to the body's rules: ${p.done.toLocaleString("en-GB")} of ${p.total.toLocaleString("en-GB")}`,
        percent: 10 + Math.round((80 * p.done) / Math.max(1, p.total)),
      };
    case "sealing":
      return { text: "Signing, sealing and recording the submission…", percent: 95 };
  }
}

const ATTENDANCE: Record<string, string> = ATTENDANCE_WORDS;
const OUTCOME: Record<string, string> = OUTCOME_WORDS;

type Json = unknown;

/** A conflict's value (attendance, or one component's result) in words; "Nothing recorded" for none. */
export function describeValue(v: Json): string {
  if (v === null || v === undefined) return "Nothing recorded";
  if (typeof v === "string") return ATTENDANCE[v] ?? v.replaceAll("_", " ");
  if (typeof v !== "object") return String(v);
  const who = v as { forename?: string; surname?: string; candidate?: string; employer?: string | null; employee_number?: string | null };
  if (who.forename !== undefined || who.candidate !== undefined) {
    // A walk-in as given on site, or the person already registered it may be.
    const name = who.candidate ?? `${who.forename} ${who.surname}`;
    return [name, who.employer ?? "no employer given", who.employee_number ? `employee number ${who.employee_number}` : null].filter(Boolean).join(", ");
  }
  const ov = v as { outcome?: string; grade?: string | null; reason?: string };
  if (ov.outcome !== undefined && ov.reason !== undefined) {
    return `Override: ${OUTCOME[ov.outcome] ?? ov.outcome}${ov.grade ? ` (${ov.grade})` : ""}`;
  }
  const o = v as { score?: Record<string, unknown>; assessed_on?: string | null; comments?: string | null };
  const s = o.score ?? {};
  let text: string;
  if (s.kind === "marks" || "mark" in s) text = `Mark ${s.mark}`;
  else if (s.kind === "faults" || "minor" in s) {
    // A half not yet entered is a dash, never 0.
    const half = (n: unknown) => (n === null || n === undefined ? "—" : String(n));
    text = `${half(s.minor)} minor, ${half(s.major)} major ${s.major === 1 ? "fault" : "faults"}`;
  }
  else if (s.kind === "observation" || "competent" in s) text = s.competent ? "Competent" : "Not yet competent";
  else text = JSON.stringify(s);
  if (o.assessed_on) text += `, assessed ${ukDate(o.assessed_on)}`;
  return text;
}

/** The comment beside a result value, if any. */
export function commentOf(v: Json): string | null {
  if (v && typeof v === "object" && "reason" in v && "outcome" in v) {
    const r = (v as { reason?: string }).reason;
    return r ? r : null;
  }
  if (v && typeof v === "object" && "comments" in v) {
    const c = (v as { comments?: string | null }).comments;
    return c ? c : null;
  }
  return null;
}

/** A reason from the core as a sentence: a capital first, one closing mark. */
export function sentence(reason: string): string {
  const t = reason.trim();
  if (!t) return "";
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.?!]$/.test(first) ? first : `${first}.`;
}

/** What the conflict is about: "Theory result" or "Attendance". */
export function conflictSubject(c: Conflict): string {
  switch (c.kind) {
    case "attendance": return "Attendance";
    case "override": return "Overridden outcome";
    case "walk_in": return "Walk-in: the person already registered, or someone new?";
    default: return `${c.component ?? "A component's"} result`;
  }
}

/** "by olly, 07/03/2026 14:05" (either part may be unknown). */
export function byWhen(who: string | null | undefined, at: string | null | undefined): string {
  const parts = [who ? `by ${who}` : null, at ? ukDateTime(at) : null].filter(Boolean);
  return parts.length ? parts.join(", ") : "who and when not known";
}

/** The outcome of importing a return, in one sentence. */
export function returnMessage(r: ReturnImport): string {
  switch (r.status) {
    case "applied": {
      const waiting = r.conflicts.length;
      return `Return applied: ${plural(r.applied, "change")} applied, ${r.unchanged} already here, ${plural(r.photos, "photo")} added`
        + (r.walk_ins ? `, ${plural(r.walk_ins, "walk-in")} registered.` : ".")
        + (waiting ? ` ${plural(waiting, "conflict")} ${waiting === 1 ? "waits" : "wait"} for your decision below.` : " No conflicts.");
    }
    case "already_applied":
      return "This return was applied already: nothing changed.";
    case "superseded":
      return `This return (number ${r.seq}) is older than number ${r.latest} from the same laptop, applied already: nothing changed.`;
  }
}

/** The outcome of importing a pack on the laptop, in one sentence. */
export function packMessage(p: PackImport): string {
  if (p.status === "already_imported") return "This field pack was imported already: nothing changed.";
  return `Field pack imported: ${plural(p.runs, "course run")}, ${plural(p.candidates, "candidate")}, ${p.with_results.toLocaleString("en-GB")} with results so far.`;
}

/** Runs the trainer is assigned to, soonest first, for a field pack. */
export function runsOfTrainer(runs: Run[], trainerId: string): Run[] {
  return runs
    .filter((r) => r.trainers.some((t) => t.id === trainerId))
    .sort((a, b) => a.starts_on.localeCompare(b.starts_on));
}

/** Active laptops of a trainer. */
export function activeDevices(devices: Device[], trainerId: string): Device[] {
  return devices.filter((d) => d.trainer_id === trainerId && !d.revoked_at);
}
