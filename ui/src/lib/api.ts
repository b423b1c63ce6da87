// Typed wrappers over the Tauri commands in src-tauri/src/commands. Every command rejects with a
// `UiError`; `call` normalises anything else into one.
import { Channel, invoke, type InvokeArgs, type InvokeOptions } from "@tauri-apps/api/core";
import type * as T from "./types";

function asUiError(e: unknown): T.UiError {
  if (e && typeof e === "object" && "message" in e && "kind" in e) return e as T.UiError;
  return { kind: "other", message: String(e), field: null, reason: null };
}

/**
 * Called when a command says the user has been signed out: the idle lock in the app (`reason` null),
 * or an admin's change to the account (`reason` says which).
 */
let onSignedOut: (reason: string | null) => void = () => {};
export function whenSignedOut(f: (reason: string | null) => void) {
  onSignedOut = f;
}
/** Called when a command is refused because the user signed in with a reset password. */
let onPasswordChange: () => void = () => {};
export function whenPasswordChange(f: () => void) {
  onPasswordChange = f;
}

async function call<R>(cmd: string, args?: InvokeArgs, options?: InvokeOptions): Promise<R> {
  try {
    return await invoke<R>(cmd, args, options);
  } catch (e) {
    const err = asUiError(e);
    if (err.kind === "signed_out") onSignedOut(err.reason);
    if (err.kind === "password_change") onPasswordChange();
    throw err;
  }
}

export const api = {
  storeStatus: () => call<T.StoreStatus>("store_status"),
  createStore: (
    centre: string,
    admin: string,
    password: string,
    passphrase: string,
    address: string | null = null,
    postcode: string | null = null,
  ) => call<[string, T.StoreStatus]>("create_store", { centre, admin, password, passphrase, address, postcode }),
  /** First run on a trainer's laptop: asks for the exchange folder; null when the dialog was cancelled. */
  createLaptopStore: (label: string, username: string, password: string, passphrase: string) =>
    call<[string, T.StoreStatus] | null>("create_laptop_store", { label, username, password, passphrase }),
  unlockStore: (secret: string, recovery: boolean) => call<T.StoreStatus>("unlock_store", { secret, recovery }),
  signIn: (username: string, password: string) => call<T.StoreStatus>("sign_in", { username, password }),
  signOut: () => call<T.StoreStatus>("sign_out"),
  /** The signed-in user's own password; `current` is asked again. */
  changePassword: (current: string, newPassword: string) =>
    call<T.StoreStatus>("change_password", { current, new: newPassword }),

  employers: (filter = "") => call<T.Employer[]>("employers", { filter }),
  employer: (id: T.Id) => call<T.Employer>("employer", { id }),
  addEmployer: (form: T.EmployerForm) => call<T.Employer>("add_employer", { form }),
  contacts: (employer: T.Id) => call<T.Contact[]>("contacts", { employer }),
  addContact: (form: T.ContactForm) => call<T.Contact>("add_contact", { form }),
  editEmployer: (id: T.Id, form: T.EmployerForm) => call<T.Employer>("edit_employer", { id, form }),
  /** Sets (or with null clears) the site at the candidate's current employer; answers with their employments. */
  setEmployeeSite: (candidate: T.Id, site: string | null) =>
    call<T.Employment[]>("set_employee_site", { candidate, site }),
  editContact: (id: T.Id, form: T.ContactForm) => call<T.Contact>("edit_contact", { id, form }),
  removeContact: (id: T.Id, reason: string) => call<T.Contact>("remove_contact", { id, reason }),
  editTrainer: (id: T.Id, form: T.TrainerForm) => call<T.Trainer>("edit_trainer", { id, form }),
  setTrainerRegistration: (trainer: T.Id, scheme: string, number: string, from: string | null) =>
    call<T.Trainer>("set_trainer_registration", { trainer, scheme, number, from }),
  endTrainerRegistration: (trainer: T.Id, scheme: string, on: string | null) =>
    call<T.Trainer>("end_trainer_registration", { trainer, scheme, on }),
  linkTrainerAccount: (trainer: T.Id, username: string | null) =>
    call<T.Trainer>("link_trainer_account", { trainer, username }),
  renameAwardingBody: (code: string, name: string) => call<T.AwardingBody>("rename_awarding_body", { code, name }),
  setConsent: (contact: T.Id, channel: T.Channel, granted: boolean, source: string) =>
    call<T.Contact>("set_consent", { contact, channel, granted, source }),
  consentHistory: (contact: T.Id) => call<T.Consent[]>("consent_history", { contact }),

  candidates: (offset: number, limit: number, employer: T.Id | null = null) =>
    call<T.Page<T.CandidateRow>>("candidates", { employer, offset, limit }),
  searchCandidates: (typed: string, limit = 50) => call<T.CandidateRow[]>("search_candidates", { typed, limit }),
  candidate: (id: T.Id) => call<T.Candidate>("candidate", { id }),
  /** NI number, date of birth and address: each call is audited, so only a record being opened asks. */
  candidateIdentifiers: (id: T.Id) => call<T.Identifiers>("candidate_identifiers", { id }),
  registerCandidate: (form: T.CandidateForm, force: boolean) =>
    call<T.Registered>("register_candidate", { form, force }),
  employmentHistory: (candidate: T.Id) => call<T.Employment[]>("employment_history", { candidate }),
  /** Moves the candidate to another employer (null: self-booked) from today; the history is kept. */
  changeEmployer: (candidate: T.Id, employer: T.Id | null, employeeNumber: string | null) =>
    call<T.Employment[]>("change_employer", { candidate, employer, employeeNumber }),
  candidatePhoto: (candidate: T.Id) => call<ArrayBuffer>("candidate_photo", { candidate }),
  /** The bytes of a photo the person chooses (empty when they cancel), for framing in the window. */
  choosePhotoFile: () => call<ArrayBuffer>("choose_photo_file"),
  /** The picture goes as the raw body (it can be megabytes), the candidate and frame as headers. */
  setCandidatePhoto: (candidate: T.Id, picture: Uint8Array, crop: T.Crop) =>
    call<null>("set_candidate_photo", picture, { headers: { candidate, crop: JSON.stringify(crop) } }),
  auditTrail: (entity: string, id: T.Id) => call<T.AuditEntry[]>("audit_trail", { entity, id }),
  candidateEnrolments: (candidate: T.Id) => call<T.CandidateEnrolment[]>("candidate_enrolments", { candidate }),

  centre: () => call<T.Centre>("centre"),
  setCentre: (form: T.CentreForm) => call<T.Centre>("set_centre", { form }),
  courses: () => call<T.Course[]>("courses"),
  course: (id: T.Id) => call<T.Course>("course", { id }),
  addCourse: (course: T.Course) => call<T.Course>("add_course", { course }),
  awardingBodies: () => call<T.AwardingBody[]>("awarding_bodies"),
  addAwardingBody: (code: string, name: string, centreNumber: string | null) =>
    call<T.AwardingBody>("add_awarding_body", { code, name, centreNumber }),
  setCentreApproval: (code: string, centreNumber: string | null) =>
    call<T.AwardingBody>("set_centre_approval", { code, centreNumber }),
  setCourseAwardingBody: (course: T.Id, body: string | null) => call<T.Course>("set_course_awarding_body", { course, body }),
  reviseCourse: (code: string, course: T.Course) => call<T.Course>("revise_course", { code, course }),
  certificateNumbering: () => call<T.Numbering>("certificate_numbering"),
  setCertificateNumbering: (pattern: string | null, centreCode: string | null) =>
    call<T.Numbering>("set_certificate_numbering", { pattern, centreCode }),
  certificateTemplate: () => call<T.TemplateChoice>("certificate_template"),
  shippedCertificateTemplates: () => call<T.ShippedTemplate[]>("shipped_certificate_templates"),
  setCertificateTemplate: (json: string | null) => call<T.TemplateChoice>("set_certificate_template", { json }),
  trainers: () => call<T.Trainer[]>("trainers"),
  addTrainer: (form: T.TrainerForm) => call<T.Trainer>("add_trainer", { form }),

  runs: (filter: T.RunFilter = {}) => call<T.Run[]>("runs", { filter }),
  run: (id: T.Id) => call<T.Run>("run", { id }),
  addRun: (form: T.RunForm) => call<T.Run>("add_run", { form }),
  editRun: (run: T.Id, form: T.RunForm) => call<T.Run>("edit_run", { run, form }),
  runClashes: (form: T.RunForm, run: T.Id | null) => call<T.Clash[]>("run_clashes", { form, run }),
  runCapacity: (run: T.Id) => call<T.Places>("run_capacity", { run }),
  runsBetween: (from: string, to: string) => call<T.DiaryRun[]>("runs_between", { from, to }),
  cancelRun: (run: T.Id, reason: string) => call<T.Run>("cancel_run", { run, reason }),
  withdrawEnrolment: (enrolment: T.Id) => call<T.Enrolment>("withdraw_enrolment", { enrolment }),
  moveEnrolment: (enrolment: T.Id, to: T.Id) => call<T.Enrolment>("move_enrolment", { enrolment, to }),
  enrolments: (run: T.Id) => call<T.Enrolment[]>("enrolments", { run }),
  enrol: (run: T.Id, candidate: T.Id) => call<T.Enrolled>("enrol", { run, candidate }),
  enrolList: (run: T.Id, text: string, apply: boolean) => call<T.ListReport>("enrol_list", { run, text, apply }),
  setAttendance: (enrolment: T.Id, status: T.Attendance) => call<T.Enrolment>("set_attendance", { enrolment, status }),
  runResults: (run: T.Id) => call<T.EnrolmentResults[]>("run_results", { run }),
  setDayAttendance: (enrolment: T.Id, day: string, present: boolean) =>
    call<T.Enrolment>("set_day_attendance", { enrolment, day, present }),
  runAttendance: (run: T.Id) => call<T.RunAttendance>("run_attendance", { run }),
  recordResult: (enrolment: T.Id, input: T.ResultInput) =>
    call<T.EnrolmentResults>("record_result", { enrolment, input }),
  overrideOutcome: (enrolment: T.Id, outcome: T.Outcome, grade: string | null, reason: string) =>
    call<T.EnrolmentResults>("override_outcome", { enrolment, outcome, grade, reason }),
  clearOverride: (enrolment: T.Id, reason: string) => call<T.EnrolmentResults>("clear_override", { enrolment, reason }),
  /** An enrolment's evidence photos, oldest first, as [id, caption] pairs. */
  evidencePhotos: (enrolment: T.Id) => call<[T.Id, string | null][]>("evidence_photos", { enrolment }),
  /** One evidence photo's JPEG bytes. */
  evidencePhoto: (enrolment: T.Id, photo: T.Id) => call<ArrayBuffer>("evidence_photo", { enrolment, photo }),
  /** Asks for a picture (native dialog) and adds it to the evidence; null when the person cancels. */
  addEvidencePhoto: (enrolment: T.Id) => call<T.Id | null>("add_evidence_photo", { enrolment }),

  mergeCandidates: (keep: T.Id, duplicate: T.Id) => call<null>("merge_candidates", { keep, duplicate }),
  eraseCandidate: (candidate: T.Id, record: T.TrainingRecord, approval: T.EmployerApproval | null) =>
    call<T.Erasure>("erase_candidate", { candidate, record, approval }),
  setRestricted: (candidate: T.Id, restricted: boolean, reason: string) =>
    call<null>("set_restricted", { candidate, restricted, reason }),
  specialCategory: (candidate: T.Id) => call<T.SpecialCategory | null>("special_category", { candidate }),
  setSpecialCategory: (candidate: T.Id, notes: string | null, consent: string) =>
    call<T.SpecialCategory | null>("set_special_category", { candidate, notes, consent }),
  /** The candidate's objection and marketing consents with their histories. */
  marketing: (candidate: T.Id) => call<T.MarketingState>("marketing", { candidate }),
  object: (candidate: T.Id, reason: string) => call<T.MarketingState>("object", { candidate, reason }),
  liftObjection: (candidate: T.Id, reason: string) => call<T.MarketingState>("lift_objection", { candidate, reason }),
  setCandidateConsent: (candidate: T.Id, channel: T.Channel, granted: boolean, source: string) =>
    call<T.MarketingState>("set_candidate_consent", { candidate, channel, granted, source }),
  guardianConsent: (candidate: T.Id) => call<T.GuardianConsent | null>("guardian_consent", { candidate }),
  recordGuardianConsent: (candidate: T.Id, form: T.GuardianForm) =>
    call<T.GuardianConsent>("record_guardian_consent", { candidate, form }),
  setGuardianRule: (code: string, required: boolean) => call<T.AwardingBody>("set_guardian_rule", { code, required }),
  /** The registration form filled in with the candidate as they are, for a correction. */
  candidateForm: (candidate: T.Id) => call<T.CandidateForm>("candidate_form", { candidate }),
  /** Saves a correction; the answer lists who holds an old value and is owed it. */
  editCandidate: (candidate: T.Id, form: T.CandidateForm, reason: T.ChangeReason | null, force: boolean) =>
    call<T.Edited>("edit_candidate", { candidate, form, reason, force }),
  /** Corrections of one candidate (null: everyone's), oldest first. */
  rectifications: (candidate: T.Id | null, stillOwed: boolean) =>
    call<T.Owed[]>("rectifications", { candidate, stillOwed }),
  markRectificationTold: (owed: T.Id, note: string) => call<T.Owed>("mark_rectification_told", { owed, note }),
  candidateAudit: (candidate: T.Id) => call<T.TrailEntry[]>("candidate_audit", { candidate }),

  users: () => call<T.User[]>("users"),
  addUser: (username: string, displayName: string, role: T.Role, password: string) =>
    call<T.User>("add_user", { username, displayName, role, password }),
  setUserDisabled: (username: string, disabled: boolean) => call<T.User>("set_user_disabled", { username, disabled }),
  /** Another user's new random password, to show once; they must change it at their next sign-in. */
  resetPassword: (username: string) => call<string>("reset_password", { username }),
  setUserRole: (username: string, role: T.Role) => call<T.User>("set_user_role", { username, role }),

  /** Changes the store's passphrase; with `replaceKey`, the data key too, and returns the new recovery key (show once). */
  changeStorePassphrase: (current: string, next: string, replaceKey: boolean) =>
    call<string | null>("change_store_passphrase", { current, new: next, replaceKey }),
  backupFiles: () => call<T.BackupFile[]>("backup_files"),
  backupPlan: () => call<T.BackupPlan>("backup_plan"),
  /** Asks for the daily backup's folder and takes today's backup there; null when cancelled. */
  chooseBackupFolder: (keep: number) => call<T.BackupPlan | null>("choose_backup_folder", { keep }),
  /** Keeps the folder with a new number to keep, or (`stop`) ends the automatic backup. */
  setBackupPlan: (keep: number, stop: boolean) => call<T.BackupPlan>("set_backup_plan", { keep, stop }),
  /** Asks where to save; null when the dialog was cancelled. */
  backupNow: () => call<T.BackupInfo | null>("backup_now"),
  acceptCopy: (reason: string) => call<void>("accept_copy", { reason }),
  /** Asks for a backup file; its name, or null when the dialog was cancelled. */
  chooseRestoreFile: () => call<string | null>("choose_restore_file"),
  /** `listed`: a name from `backupFiles`; null restores the file chosen with `chooseRestoreFile`. */
  restoreBackup: (listed: string | null, username: string, password: string, secret: string | null) =>
    call<T.RestoreReport>("restore_backup", { listed, username, password, secret }),

  /** Asks for a CSV or XLSX file; its name, or null when the dialog was cancelled. */
  chooseImportFile: () => call<string | null>("choose_import_file"),
  /** Dry-runs or imports the chosen file; null when cancelled. */
  importCandidates: (options: T.ImportOptions, onProgress: (p: T.ImportProgress) => void) => {
    const progress = new Channel<T.ImportProgress>();
    progress.onmessage = onProgress;
    return call<T.ImportReport | null>("import_candidates", { options, progress });
  },
  cancelImport: () => call<null>("cancel_import"),

  // Retention (the preview and run judge on today; the core refuses what the role may not do).
  retentionSchedule: () => call<T.RetentionSchedule>("retention_schedule"),
  setRetentionRule: (category: T.RetentionCategory, months: number, action: T.RetentionAction) =>
    call<T.RetentionRule>("set_retention_rule", { category, months, action }),
  retentionPreview: () => call<T.RetentionPreview>("retention_preview"),
  /** Rows past their retention today; 0 for anyone who may not run it. */
  retentionDue: () => call<number>("retention_due"),
  /** Removes what is due, a batch per transaction, off the main thread. */
  runRetention: (onProgress: (p: T.RetentionProgress) => void) => {
    const progress = new Channel<T.RetentionProgress>();
    progress.onmessage = onProgress;
    return call<T.RetentionRun>("run_retention", { progress });
  },
  cancelRetention: () => call<null>("cancel_retention"),
  legalHolds: () => call<T.LegalHold[]>("legal_holds"),
  addLegalHold: (candidate: T.Id, form: T.HoldForm) => call<T.LegalHold>("add_legal_hold", { candidate, form }),
  liftLegalHold: (hold: T.Id, reason: string) => call<null>("lift_legal_hold", { hold, reason }),

  // Sharing. Every file is named through a native dialog the command opens: null means it was cancelled.
  bundleProfiles: () => call<T.ProfileChoice[]>("bundle_profiles"),
  bundleWaiting: (profile: string, body: string | null) => call<T.Waiting>("bundle_waiting", { profile, body }),
  /** Asks where to save, then makes the bundle off the main thread; null when cancelled. */
  createBundle: (
    profile: string, body: string | null, correction: boolean, password: string | null,
    onProgress: (p: T.BundleProgress) => void,
  ) => {
    const progress = new Channel<T.BundleProgress>();
    progress.onmessage = onProgress;
    return call<T.CreateReport | null>("create_bundle", { profile, body, correction, password, progress });
  },
  cancelBundle: () => call<null>("cancel_bundle"),
  bundles: () => call<T.BundleSummary[]>("bundles"),
  markBundleSent: (id: T.Id) => call<T.BundleSummary>("mark_bundle_sent", { id }),
  markBundleAcknowledged: (id: T.Id, reference: string | null) =>
    call<T.BundleSummary>("mark_bundle_acknowledged", { id, reference }),
  bundleAffected: (id: T.Id) => call<T.Affected>("bundle_affected", { id }),
  saveAffectedCsv: (id: T.Id) => call<T.Saved | null>("save_affected_csv", { id }),
  chooseBundleFile: () => call<string | null>("choose_bundle_file"),
  verifyBundleFile: (password: string | null) => call<T.Verified>("verify_bundle_file", { password }),

  saveCentreKey: () => call<T.CentreKeySaved | null>("save_centre_key"),
  fieldDevices: () => call<T.Device[]>("field_devices"),
  registerFieldDevice: (trainer: T.Id) => call<T.Device | null>("register_field_device", { trainer }),
  revokeFieldDevice: (id: string) => call<T.Device>("revoke_field_device", { id }),
  exportFieldPack: (runs: T.Id[], device: string | null) =>
    call<T.PackSaved | null>("export_field_pack", { runs, device }),

  /** This laptop's identity in field mode; null in an office store. */
  fieldStatus: () => call<T.FieldIdentity | null>("field_status"),
  trustedCentreFingerprints: () => call<string[]>("trusted_centre_fingerprints"),
  fieldEnrol: (label: string) => call<T.FieldIdentity | null>("field_enrol", { label }),
  saveDeviceKey: () => call<T.Saved | null>("save_device_key"),
  importFieldPack: (replace: boolean) => call<T.PackImport | null>("import_field_pack", { replace }),
  exportReturn: () => call<T.ReturnSaved | null>("export_return"),

  importReturn: () => call<T.ReturnImported | null>("import_return"),
  fieldConflicts: (all = false) => call<T.Conflict[]>("field_conflicts", { all }),
  resolveFieldConflict: (id: T.Id, take: T.Take) => call<T.Conflict>("resolve_field_conflict", { id, take }),
  /** On a trainer's laptop: a walk-in added to a packed run. */
  addWalkIn: (run: T.Id, person: T.WalkIn) => call<T.Enrolment>("add_walk_in", { run, person }),
  /** The exchange folder (a USB stick or shared folder) both sides leave field files in. */
  exchangeFolder: () => call<string | null>("exchange_folder"),
  chooseExchangeFolder: () => call<T.Exchange | null>("choose_exchange_folder"),
  folderLaptops: () => call<T.FolderLaptop[]>("folder_laptops"),
  registerFolderLaptop: (trainer: T.Id, device: string) => call<T.Device>("register_folder_laptop", { trainer, device }),
  exportFieldPackToFolder: (runs: T.Id[], device: string | null) =>
    call<T.PackSaved>("export_field_pack_to_folder", { runs, device }),
  importPacksFromFolder: (replace: boolean) => call<T.FolderPack[]>("import_packs_from_folder", { replace }),
  exportReturnToFolder: () => call<T.ReturnSaved>("export_return_to_folder"),
  importReturnsFromFolder: () => call<T.FolderReturn[]>("import_returns_from_folder"),
  /** Runs out on a trainer's laptop (a pack exported, no return since). */
  runsOut: () => call<T.RunOut[]>("runs_out"),

  requests: (openOnly: boolean, candidate: T.Id | null = null) =>
    call<T.Request[]>("requests", { openOnly, candidate }),
  addRequest: (form: T.RequestForm) => call<T.Request>("add_request", { form }),
  closeRequest: (id: T.Id, outcome: T.RequestOutcome, note: string | null) =>
    call<T.Request>("close_request", { id, outcome, note }),
  candidateDisclosures: (candidate: T.Id) => call<T.Disclosure[]>("candidate_disclosures", { candidate }),
  addDisclosure: (form: T.ManualDisclosure) => call<T.Disclosure>("add_disclosure", { form }),
  /** The person's copy, sealed with `password`; null when the save dialog was cancelled. */
  saveSubjectCopy: (candidate: T.Id, password: string) =>
    call<T.SubjectCopy | null>("save_subject_copy", { candidate, password }),
  // Certificates, photo cards, employer reports and verification. Commands that save return the
  // file's name, or null when the save dialog was cancelled; "open" ones open the system's viewer.
  certificates: (query: T.CertificateQuery = {}) => call<T.Certificate[]>("certificates", { query }),
  certificate: (number: string, version: number | null = null) => call<T.Certificate>("certificate", { number, version }),
  certificateVersions: (number: string) => call<T.Certificate[]>("certificate_versions", { number }),
  issueCertificate: (enrolment: T.Id) => call<T.Certificate>("issue_certificate", { enrolment }),
  issueRunCertificates: (run: T.Id) => call<T.RunIssue>("issue_run_certificates", { run }),
  reissueCertificate: (number: string, reason: string) => call<T.Certificate>("reissue_certificate", { number, reason }),
  revokeCertificate: (number: string, reason: string) => call<T.Certificate>("revoke_certificate", { number, reason }),
  openCertificatePdf: (number: string, version: number | null = null) => call<string>("open_certificate_pdf", { number, version }),
  /** Who "Issue certificates" for a run would issue to (refused, not yet, before the course ends). */
  certificatesDue: (run: T.Id) => call<T.Enrolment[]>("certificates_due", { run }),
  /** Asks where to save the register of one day of a run; its file name, null when cancelled. */
  saveRegister: (run: T.Id, day: string) => call<string | null>("save_register", { run, day }),
  saveCertificatePdf: (number: string, version: number | null = null) =>
    call<string | null>("save_certificate_pdf", { number, version }),
  /** Asks where to save, then prints with progress; null when the dialog or Cancel stopped it. */
  printCertificates: (selection: T.PrintSelection, format: T.BatchFormat, onProgress: (p: T.Progress) => void) => {
    const progress = new Channel<T.Progress>();
    progress.onmessage = onProgress;
    return call<T.PrintDone | null>("print_certificates", { selection, format, progress });
  },
  cancelPrint: () => call<null>("cancel_print"),
  /** Opens the file saved last in the system's viewer; its name. */
  openSaved: () => call<string>("open_saved"),
  showSavedInFolder: () => call<string>("show_saved_in_folder"),

  cards: (candidate: T.Id | null = null) => call<T.Card[]>("cards", { candidate }),
  issueCard: (candidate: T.Id) => call<T.Card>("issue_card", { candidate }),
  openCardPdf: (number: string) => call<string>("open_card_pdf", { number }),
  saveCardPdf: (number: string) => call<string | null>("save_card_pdf", { number }),
  saveCardSheet: (run: T.Id | null, numbers: string[] = []) => call<T.SheetDone | null>("save_card_sheet", { run, numbers }),

  employerSites: (employer: T.Id) => call<string[]>("employer_sites", { employer }),
  saveEmployerReport: (employer: T.Id, format: T.ReportFormat, site: string | null, withinDays: number) =>
    call<T.ReportSaved | null>("save_employer_report", { employer, format, site, withinDays }),

  /** Saves a run's practical test sheets where the user chooses; null when cancelled. */
  saveTestSheets: (run: T.Id) => call<T.PaperSaved | null>("save_test_sheets", { run }),
  runEmployers: (run: T.Id) => call<T.RunEmployer[]>("run_employers", { run }),
  /** Saves an employer's joining instructions for a run; null when cancelled. */
  saveJoining: (run: T.Id, employer: T.Id) => call<T.PaperSaved | null>("save_joining", { run, employer }),
  refreshersDue: (withinDays: number) => call<T.RefreshersDue>("refreshers_due", { withinDays }),
  /** Asks for a folder and writes each employer's letter and draft email there; null when cancelled. */
  saveRefresherLetters: (withinDays: number) => call<T.LetterSaved[] | null>("save_refresher_letters", { withinDays }),
  paperwork: () => call<T.Paperwork>("paperwork"),
  setPaperwork: (form: T.PaperworkForm) => call<T.Paperwork>("set_paperwork", { form }),

  verifyText: (text: string) => call<T.Verification>("verify_text", { text }),
  /** Asks for a PDF and checks it; null when the dialog was cancelled. */
  verifyPdf: () => call<T.VerifiedFile | null>("verify_pdf"),
  exportPublicKey: () => call<string | null>("export_public_key"),
  /** Asks where to save the verification page (native dialog); its name, or null when cancelled. */
  saveVerificationPage: () => call<string | null>("save_verification_page"),
};
