// Words for a match another value contradicts (the core's `contradictions` rule): the same NI number
// with a different name and date of birth, and the like. Registration and the enrol-from-list check
// show it as a conflict for a person to decide, never as "the same person".
import type { Contradiction, MatchConflict, MatchReason } from "./types";

const matched: Record<MatchReason, string> = {
  ni_number: "NI number",
  surname_dob_postcode: "surname, date of birth and postcode",
  employee_number: "employer and employee number",
};

const contradicted: Record<Contradiction, string> = {
  name_and_date_of_birth: "name and date of birth",
  ni_number: "NI number",
};

/** "the same NI number, but a different name and date of birth" */
export function conflictText(c: MatchConflict): string {
  return `the same ${matched[c.matched]}, but a different ${contradicted[c.contradicted_by]}`;
}
