// Words and the clock for the request register and the disclosure log, shared by the Requests screen
// and the candidate page. The due date itself is the core's (computed once, when the request is entered).
import type { Disclosure, DisclosureChannel, OutputKind, RecipientKind, Request, RequestKind, RequestOutcome } from "./types";

export const REQUEST_KIND_WORDS: Record<RequestKind, string> = {
  access: "Copy of their data",
  erasure: "Erasure",
  rectification: "Correction",
  restriction: "Restriction",
  objection: "Objection",
};

export const REQUEST_OUTCOME_WORDS: Record<RequestOutcome, string> = {
  completed: "Completed",
  refused: "Refused",
  withdrawn: "Withdrawn by the person",
};

export const OUTPUT_WORDS: Record<OutputKind, string> = {
  employer_report: "Employer training report",
  certificate: "Certificate",
  card: "Photo card",
  certificate_batch: "Certificates printed together",
  card_sheet: "Card sheet",
  field_pack: "Field pack for a trainer",
  subject_copy: "Copy of their data",
  bundle: "Awarding-body submission",
  manual: "Told outside Centrebook",
  test_sheets: "Practical test sheets",
  joining_instructions: "Joining instructions",
  reminder_letter: "Refresher reminder letter",
  reminder_email: "Refresher reminder email (draft)",
};

export const RECIPIENT_WORDS: Record<RecipientKind, string> = {
  employer: "Employer",
  awarding_body: "Awarding body",
  trainer: "Trainer",
  subject: "The person themselves",
  other: "Someone else (police, HSE, insurer)",
};

export const CHANNEL_WORDS: Record<DisclosureChannel, string> = {
  phone: "Phone",
  letter: "Letter",
  email: "Email",
  in_person: "In person",
  file: "A file",
};

/** Where a request stands, in words, and the badge's tone: overdue is red, a week or less amber. */
export function clock(r: Request): { text: string; tone: string } {
  if (r.outcome) return { text: `${REQUEST_OUTCOME_WORDS[r.outcome]}`, tone: "" };
  const d = Number(r.days_left);
  if (d < 0) return { text: `Overdue by ${-d} day${d === -1 ? "" : "s"}`, tone: "fail" };
  if (d === 0) return { text: "Due today", tone: "fail" };
  return { text: `${d} day${d === 1 ? "" : "s"} left`, tone: d <= 7 ? "retest" : "pass" };
}

/** What a disclosure carried, in words: "name, date of birth". */
export function fieldWords(d: Disclosure): string {
  return d.fields.map((f) => f.replaceAll("_", " ")).join(", ");
}

/** Field names typed in a list ("name, date of birth") as the log keeps them. */
export function typedFields(typed: string): string[] {
  return typed
    .split(/[,\n]/)
    .map((f) => f.trim().toLowerCase().replace(/[\s-]+/g, "_"))
    .filter(Boolean);
}
