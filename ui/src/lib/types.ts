// Hand-written mirrors of the serde output of the Rust types the commands return (centrebook-core
// records, users, audit, and the app's own DTOs in src-tauri/src). Keep in step with the Rust; see
// the report for the plan to generate these with ts-rs.

export type Id = string;
/** ISO date, YYYY-MM-DD (chrono NaiveDate). */
export type IsoDate = string;

export type Role = "admin" | "office" | "trainer";

export interface May {
  read_identifiers: boolean;
  edit_records: boolean;
  manage_catalogue: boolean;
  manage_users: boolean;
  read_audit: boolean;
  special_category: boolean;
}

export interface UserDto {
  username: string;
  role: Role;
  may: May;
}

export interface StoreStatus {
  initialised: boolean;
  unlocked: boolean;
  method: "keychain" | "passphrase" | "recovery-key" | null;
  centre: string | null;
  data_dir: string;
  note: string | null;
  user: UserDto | null;
  idle_lock_secs: number;
}

export type ErrorKind =
  | "invalid"
  | "forbidden"
  | "not_found"
  | "duplicate"
  | "locked"
  | "signed_out"
  | "credentials"
  | "busy"
  | "other";

/** What every command rejects with (src-tauri/src/state.rs `UiError`). */
export interface UiError {
  kind: ErrorKind;
  message: string;
  field: string | null;
  reason: string | null;
}

export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

export interface Employer {
  id: Id;
  name: string;
  address: string | null;
  postcode: string | null;
  phone: string | null;
  email: string | null;
}

export interface EmployerForm {
  name: string;
  address?: string | null;
  postcode?: string | null;
  phone?: string | null;
  email?: string | null;
}

export type Channel = "email" | "phone" | "sms" | "post";

export interface Consent {
  channel: Channel;
  granted: boolean;
  recorded_at: string;
  source: string;
}

export interface Contact {
  id: Id;
  employer_id: Id;
  forename: string;
  surname: string;
  job_title: string | null;
  phone: string | null;
  mobile: string | null;
  email: string | null;
  consents: Consent[];
}

export interface ContactForm {
  employer_id: Id;
  forename: string;
  surname: string;
  job_title?: string | null;
  phone?: string | null;
  mobile?: string | null;
  email?: string | null;
}

export interface CandidateForm {
  forename: string;
  surname: string;
  employer_id: Id | null;
  employee_number: string | null;
  ni_number: string | null;
  date_of_birth: string | null;
  address: string | null;
  postcode: string | null;
  email: string | null;
  mobile: string | null;
  driving_licence: string | null;
}

export interface Identifiers {
  ni_number: string | null;
  date_of_birth: IsoDate | null;
  address: string | null;
  postcode: string | null;
  driving_licence: string | null;
}

export interface Candidate {
  id: Id;
  forename: string;
  surname: string;
  employer_id: Id | null;
  employer: string | null;
  employee_number: string | null;
  email: string | null;
  mobile: string | null;
  restricted: boolean;
  /** null for roles that may not see identifiers. */
  identifiers: Identifiers | null;
}

export interface CandidateRow {
  id: Id;
  forename: string;
  surname: string;
  employer: string | null;
  employee_number: string | null;
  restricted: boolean;
}

export type MatchReason = "ni_number" | "surname_dob_postcode" | "employee_number";

export interface CandidateMatch {
  candidate: Candidate;
  reasons: MatchReason[];
}

export type Registered =
  | { outcome: "created"; candidate: Candidate; warnings: string[] }
  | { outcome: "possible_duplicates"; matches: CandidateMatch[] };

export interface Employment {
  employer_id: Id;
  employer: string;
  employee_number: string | null;
  started_on: IsoDate;
  ended_on: IsoDate | null;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  changes: FieldChange[] | null;
}

export interface Centre {
  name: string;
  address: string | null;
  postcode: string | null;
  ico_number: string | null;
}

export interface CentreForm {
  name: string;
  address: string | null;
  postcode: string | null;
  ico_number: string | null;
}

export interface AwardingBody {
  id: Id;
  code: string;
  name: string;
  centre_number: string | null;
}

export type CourseType = "training" | "test" | "qualification" | "assessment";

export type ComponentRule =
  | { kind: "marks"; max_mark: number; pass_mark: number }
  | { kind: "faults"; max_minor_faults: number; max_major_faults: number }
  | { kind: "observation" };

export type Score =
  | { kind: "marks"; mark: number }
  | { kind: "faults"; minor: number; major: number }
  | { kind: "observation"; competent: boolean };

export interface Component {
  id: Id | null;
  name: string;
  rule: ComponentRule;
}

export interface GradeBand {
  grade: string;
  min_percent: number;
}

export interface Requirements {
  ni_number: boolean;
  date_of_birth: boolean;
  home_address: boolean;
  photo: boolean;
}

export interface Course {
  id: Id | null;
  code: string;
  title: string;
  awarding_body: string | null;
  course_type: CourseType;
  category: string;
  length_days: number;
  duration_hours: number;
  validity_months: number | null;
  requires: Requirements;
  components: Component[];
  grades: GradeBand[];
}

export interface Trainer {
  id: Id;
  name: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  /** [scheme, registration number] pairs. */
  registrations: [string, string][];
}

export interface TrainerForm {
  name: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  registrations: [string, string][];
}

export interface RunTrainer {
  id: Id;
  name: string;
}

export interface Run {
  id: Id;
  course_id: Id;
  course_code: string;
  course_title: string;
  category: string;
  starts_on: IsoDate;
  ends_on: IsoDate;
  assessment_on: IsoDate | null;
  venue: string | null;
  employer_id: Id | null;
  employer: string | null;
  site_contact: string | null;
  trainers: RunTrainer[];
  enrolled: number;
}

export interface RunForm {
  course_id: Id;
  starts_on: string;
  ends_on: string | null;
  assessment_on: string | null;
  venue: string | null;
  employer_id: Id | null;
  site_contact_id: Id | null;
  trainer_ids: Id[];
}

export interface RunFilter {
  from?: IsoDate | null;
  to?: IsoDate | null;
  limit?: number | null;
}

export type Attendance = "booked" | "attended" | "did_not_attend" | "withdrawn";

export type Outcome = "pass" | "fail" | "retest" | "did_not_attend" | "incomplete";

export interface Override {
  outcome: Outcome;
  grade: string | null;
  reason: string;
  by: string;
  at: string;
}

export interface OutcomeView {
  computed: Outcome;
  computed_grade: string | null;
  overridden: Override | null;
  outcome: Outcome;
  grade: string | null;
}

export interface Enrolment {
  id: Id;
  run_id: Id;
  candidate_id: Id;
  forename: string;
  surname: string;
  employee_number: string | null;
  employer: string | null;
  status: Attendance;
  outcome: OutcomeView | null;
}

export interface Enrolled {
  enrolment: Enrolment;
  missing: string[];
}

export interface ComponentResult {
  component: Component;
  score: Score | null;
  assessed_on: IsoDate | null;
  assessor: string | null;
  comments: string | null;
}

export interface EnrolmentResults {
  enrolment: Enrolment;
  components: ComponentResult[];
}

export interface ResultInput {
  component_id: Id;
  score: Score | null;
  assessed_on?: string | null;
  comments?: string | null;
}

export interface CandidateEnrolment {
  id: Id;
  run_id: Id;
  course_code: string;
  course_title: string;
  starts_on: IsoDate;
  ends_on: IsoDate;
  status: Attendance;
  outcome: OutcomeView | null;
}
