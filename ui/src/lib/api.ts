// Typed wrappers over the Tauri commands in src-tauri/src/commands. Every command rejects with a
// `UiError`; `call` normalises anything else into one.
import { invoke } from "@tauri-apps/api/core";
import type * as T from "./types";

function asUiError(e: unknown): T.UiError {
  if (e && typeof e === "object" && "message" in e && "kind" in e) return e as T.UiError;
  return { kind: "other", message: String(e), field: null, reason: null };
}

/** Called when a command says the user has been signed out (idle lock in the app). */
let onSignedOut: () => void = () => {};
export function whenSignedOut(f: () => void) {
  onSignedOut = f;
}

async function call<R>(cmd: string, args?: Record<string, unknown>): Promise<R> {
  try {
    return await invoke<R>(cmd, args);
  } catch (e) {
    const err = asUiError(e);
    if (err.kind === "signed_out") onSignedOut();
    throw err;
  }
}

export const api = {
  storeStatus: () => call<T.StoreStatus>("store_status"),
  createStore: (centre: string, admin: string, password: string, passphrase: string) =>
    call<[string, T.StoreStatus]>("create_store", { centre, admin, password, passphrase }),
  unlockStore: (secret: string, recovery: boolean) => call<T.StoreStatus>("unlock_store", { secret, recovery }),
  signIn: (username: string, password: string) => call<T.StoreStatus>("sign_in", { username, password }),
  signOut: () => call<T.StoreStatus>("sign_out"),

  employers: (filter = "") => call<T.Employer[]>("employers", { filter }),
  employer: (id: T.Id) => call<T.Employer>("employer", { id }),
  addEmployer: (form: T.EmployerForm) => call<T.Employer>("add_employer", { form }),
  contacts: (employer: T.Id) => call<T.Contact[]>("contacts", { employer }),
  addContact: (form: T.ContactForm) => call<T.Contact>("add_contact", { form }),
  setConsent: (contact: T.Id, channel: T.Channel, granted: boolean, source: string) =>
    call<T.Contact>("set_consent", { contact, channel, granted, source }),

  candidates: (offset: number, limit: number, employer: T.Id | null = null) =>
    call<T.Page<T.CandidateRow>>("candidates", { employer, offset, limit }),
  searchCandidates: (typed: string, limit = 50) => call<T.CandidateRow[]>("search_candidates", { typed, limit }),
  candidate: (id: T.Id) => call<T.Candidate>("candidate", { id }),
  registerCandidate: (form: T.CandidateForm, force: boolean) =>
    call<T.Registered>("register_candidate", { form, force }),
  employmentHistory: (candidate: T.Id) => call<T.Employment[]>("employment_history", { candidate }),
  candidatePhoto: (candidate: T.Id) => call<ArrayBuffer>("candidate_photo", { candidate }),
  chooseCandidatePhoto: (candidate: T.Id) => call<boolean>("choose_candidate_photo", { candidate }),
  auditTrail: (entity: string, id: T.Id) => call<T.AuditEntry[]>("audit_trail", { entity, id }),
  candidateEnrolments: (candidate: T.Id) => call<T.CandidateEnrolment[]>("candidate_enrolments", { candidate }),

  centre: () => call<T.Centre>("centre"),
  setCentre: (form: T.CentreForm) => call<T.Centre>("set_centre", { form }),
  courses: () => call<T.Course[]>("courses"),
  course: (id: T.Id) => call<T.Course>("course", { id }),
  addCourse: (course: T.Course) => call<T.Course>("add_course", { course }),
  awardingBodies: () => call<T.AwardingBody[]>("awarding_bodies"),
  trainers: () => call<T.Trainer[]>("trainers"),
  addTrainer: (form: T.TrainerForm) => call<T.Trainer>("add_trainer", { form }),

  runs: (filter: T.RunFilter = {}) => call<T.Run[]>("runs", { filter }),
  run: (id: T.Id) => call<T.Run>("run", { id }),
  addRun: (form: T.RunForm) => call<T.Run>("add_run", { form }),
  enrolments: (run: T.Id) => call<T.Enrolment[]>("enrolments", { run }),
  enrol: (run: T.Id, candidate: T.Id) => call<T.Enrolled>("enrol", { run, candidate }),
  setAttendance: (enrolment: T.Id, status: T.Attendance) => call<T.Enrolment>("set_attendance", { enrolment, status }),
  runResults: (run: T.Id) => call<T.EnrolmentResults[]>("run_results", { run }),
  recordResult: (enrolment: T.Id, input: T.ResultInput) =>
    call<T.EnrolmentResults>("record_result", { enrolment, input }),
  overrideOutcome: (enrolment: T.Id, outcome: T.Outcome, grade: string | null, reason: string) =>
    call<T.EnrolmentResults>("override_outcome", { enrolment, outcome, grade, reason }),
  clearOverride: (enrolment: T.Id, reason: string) => call<T.EnrolmentResults>("clear_override", { enrolment, reason }),
};
