// What the certificate, card, report and verify screens work out for themselves: the week "issued
// this week" means, labels and tones for statuses, the statement's dates for people, a batch's
// progress as a percentage, and who a run's skipped enrolments are.
import { CERTIFICATE_STATUS_WORDS } from "./bindings/Words";
import { ukDate, ukRange } from "./dates";
import type { Certificate, CertificateStatus, Enrolment, IsoDate, PrintSelection, Progress, Skipped, VerifyStatus } from "./types";

/** One of the batches a print panel offers. */
export interface PrintChoice {
  key: string;
  label: string;
  /** null: nothing to print for this choice right now (offered, but disabled). */
  selection: PrintSelection | null;
}

function iso(d: Date): IsoDate {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** This week, Monday to Sunday (a UK week), in local time, as ISO dates. */
export function weekOf(now = new Date()): { from: IsoDate; to: IsoDate } {
  const day = (now.getDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - day);
  const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6);
  return { from: iso(monday), to: iso(sunday) };
}

/** The day a certificate's current version was issued: its reissue date, else its first issue. */
export function issuedOn(c: Certificate): IsoDate {
  return c.reissued_on ?? c.issued_on;
}

/** The core's words for a certificate's status (the same in reports and the `centrebook` command), with a tone. */
export const CERTIFICATE_STATUS: Record<CertificateStatus, { label: string; tone: string }> = {
  valid: { label: CERTIFICATE_STATUS_WORDS.valid, tone: "pass" },
  expired: { label: CERTIFICATE_STATUS_WORDS.expired, tone: "retest" },
  superseded: { label: CERTIFICATE_STATUS_WORDS.superseded, tone: "" },
  revoked: { label: CERTIFICATE_STATUS_WORDS.revoked, tone: "fail" },
};

export const VERIFY_STATUS: Record<VerifyStatus, { label: string; tone: string }> = {
  valid: { label: "Valid", tone: "ok" },
  revoked: { label: "Revoked", tone: "error" },
  superseded: { label: "Superseded", tone: "warn" },
  tampered: { label: "Tampered", tone: "error" },
  unknown_signer: { label: "Unknown signer", tone: "error" },
  unknown_certificate: { label: "Not in this centre's records", tone: "warn" },
  no_longer_confirmable: { label: "No longer confirmable", tone: "warn" },
  not_a_certificate: { label: "Not a certificate", tone: "error" },
};

/** A statement's `YYYY-MM-DD..YYYY-MM-DD` training dates as a UK range. */
export function trainedRange(trained: string): string {
  const [from, to] = trained.split("..");
  return from ? ukRange(from, to) : "";
}

/** A statement's ISO date for people; "does not expire" for an empty expiry. */
export function statementDate(d: string, empty = "—"): string {
  return d ? ukDate(d) : empty;
}

/** How far a batch has got, 0–100. */
export function percent(p: Progress | null): number {
  if (!p || p.total <= 0) return 0;
  // Rounded down, so the bar shows 100% only when the last one is done.
  return Math.min(100, Math.floor((100 * p.done) / p.total));
}

/** Certificates whose number, name, course or employer contain `typed` (any case). */
export function matching(list: Certificate[], typed: string): Certificate[] {
  const q = typed.trim().toLowerCase();
  if (!q) return list;
  return list.filter((c) =>
    [c.number, c.content.candidate_name, c.content.course_title, c.content.course_code, c.content.employer ?? ""]
      .some((s) => s.toLowerCase().includes(q)),
  );
}

/** A run's skipped enrolments with the candidate's name where the run's list holds it. */
export function skippedNames(skipped: Skipped[], enrolments: Enrolment[]): { name: string; reason: string }[] {
  const byId = new Map(enrolments.map((e) => [e.id, `${e.forename} ${e.surname}`]));
  return skipped.map((s) => ({ name: byId.get(s.enrolment_id) ?? "An enrolment", reason: s.reason }));
}

/** "1 certificate", "3 certificates". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}

/** A reason for a reissue or revocation: required, at most 500 characters (as the core checks). */
export function reasonProblem(reason: string): string | null {
  const r = reason.trim();
  if (!r) return "Give a reason; it is kept with the certificate and in the audit log.";
  if (r.length > 500) return "Keep the reason under 500 characters.";
  return null;
}
