// Turning a command's `UiError` into what a form shows: a message beside the field it is about
// (the core names fields in plain words, e.g. "NI number"), or one message for the whole form.
import type { UiError } from "./types";

/** First letter upper-case, for messages that start a sentence. */
export function sentence(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export interface FormErrors {
  /** Keyed by the form's own field key. */
  fields: Record<string, string>;
  /** For errors that are about no field on this form. */
  form: string | null;
}

/**
 * Places `e` on the form: `fieldKeys` maps the core's field names (lower-case) to the form's keys.
 * An invalid-input error about a field the form has goes beside it; anything else is a form message.
 */
export function placeError(e: unknown, fieldKeys: Record<string, string>): FormErrors {
  const err = e as Partial<UiError>;
  const field = err.field?.toLowerCase();
  // Over a run's places goes beside its places field, whole (how many, for how many, which limit).
  if (err.kind === "over_capacity" && field && fieldKeys[field] && err.message) {
    return { fields: { [fieldKeys[field]]: sentence(err.message) }, form: null };
  }
  if (err.kind === "invalid" && field && fieldKeys[field] && err.reason) {
    return { fields: { [fieldKeys[field]]: sentence(err.reason) }, form: null };
  }
  return { fields: {}, form: sentence(err.message ?? String(e)) };
}

/** A readable message for any rejection. */
export function messageOf(e: unknown): string {
  const err = e as Partial<UiError>;
  return sentence(err?.message ?? String(e));
}
