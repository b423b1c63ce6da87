// The types the commands take and return, generated from the Rust types by ts-rs (`cargo test`
// writes ./bindings; CI fails when the committed files differ). Nothing here is written by hand
// except the aliases below.

export type { Attendance } from "./bindings/Attendance";
export type { AuditEntry } from "./bindings/AuditEntry";
export type { AwardingBody } from "./bindings/AwardingBody";
export type { Candidate } from "./bindings/Candidate";
export type { CandidateEnrolment } from "./bindings/CandidateEnrolment";
export type { CandidateForm } from "./bindings/CandidateForm";
export type { CandidateMatch } from "./bindings/CandidateMatch";
export type { CandidateRow } from "./bindings/CandidateRow";
export type { Centre } from "./bindings/Centre";
export type { CentreForm } from "./bindings/CentreForm";
export type { Channel } from "./bindings/Channel";
export type { Component } from "./bindings/Component";
export type { ComponentResult } from "./bindings/ComponentResult";
export type { ComponentRule } from "./bindings/ComponentRule";
export type { Consent } from "./bindings/Consent";
export type { Contact } from "./bindings/Contact";
export type { ContactForm } from "./bindings/ContactForm";
export type { Course } from "./bindings/Course";
export type { CourseType } from "./bindings/CourseType";
export type { Email } from "./bindings/Email";
export type { Employer } from "./bindings/Employer";
export type { EmployerForm } from "./bindings/EmployerForm";
export type { Employment } from "./bindings/Employment";
export type { Enrolled } from "./bindings/Enrolled";
export type { Enrolment } from "./bindings/Enrolment";
export type { EnrolmentResults } from "./bindings/EnrolmentResults";
export type { ErrorKind } from "./bindings/ErrorKind";
export type { FieldChange } from "./bindings/FieldChange";
export type { GradeBand } from "./bindings/GradeBand";
export type { Id } from "./bindings/Id";
export type { Identifiers } from "./bindings/Identifiers";
export type { MatchReason } from "./bindings/MatchReason";
export type { May } from "./bindings/May";
export type { NiNumber } from "./bindings/NiNumber";
export type { Outcome } from "./bindings/Outcome";
export type { OutcomeView } from "./bindings/OutcomeView";
export type { Override } from "./bindings/Override";
export type { Page } from "./bindings/Page";
export type { Phone } from "./bindings/Phone";
export type { Postcode } from "./bindings/Postcode";
export type { Registered } from "./bindings/Registered";
export type { Requirements } from "./bindings/Requirements";
export type { ResultInput } from "./bindings/ResultInput";
export type { Role } from "./bindings/Role";
export type { Run } from "./bindings/Run";
export type { RunFilter } from "./bindings/RunFilter";
export type { RunForm } from "./bindings/RunForm";
export type { RunTrainer } from "./bindings/RunTrainer";
export type { Score } from "./bindings/Score";
export type { StatusDto } from "./bindings/StatusDto";
export type { Trainer } from "./bindings/Trainer";
export type { TrainerForm } from "./bindings/TrainerForm";
export type { UiError } from "./bindings/UiError";
export type { UnlockMethod } from "./bindings/UnlockMethod";
export type { UserDto } from "./bindings/UserDto";

import type { StatusDto } from "./bindings/StatusDto";

/** ISO date, YYYY-MM-DD (chrono NaiveDate). */
export type IsoDate = string;
/** What the window knows about the store and the session (the `status` command). */
export type StoreStatus = StatusDto;
