// Whether this store is a trainer's field laptop (enrolled with a centre), so the window can say so
// on every screen and offer the laptop's side of field work instead of the office's.
import { api } from "./api";
import type { FieldIdentity } from "./types";

export const field: { identity: FieldIdentity | null; loaded: boolean } = $state({ identity: null, loaded: false });

/** Asks the app again (after sign-in, enrolment). A failure leaves the office view: the core refuses field-only work anyway. */
export async function loadField(): Promise<void> {
  try {
    field.identity = await api.fieldStatus();
  } catch {
    field.identity = null;
  } finally {
    field.loaded = true;
  }
}
