import { describe, expect, it } from "vitest";
import { count, issuedOn, matching, percent, reasonProblem, skippedNames, statementDate, trainedRange, weekOf } from "./documents";
import type { Certificate, Enrolment } from "./types";

function cert(number: string, name: string, over: Partial<Certificate> = {}): Certificate {
  return {
    id: number, number, version: 1, enrolment_id: "e", candidate_id: "c", status: "valid",
    issued_on: "2026-03-02", reissued_on: null, reissue_reason: null, expires_on: null, issued_by: "admin",
    issued_at: "2026-03-02T10:00:00Z", sha256: "", qr: "", revocation: null,
    content: {
      number, version: 1, centre_name: "C", centre_approval: null, candidate_name: name, employee_number: null,
      employer: "Acme Haulage", course_code: "FLT-CB", course_title: "Counterbalance lift truck", awarding_body: null,
      category: "Counterbalance", training_start: "2026-02-23", training_end: "2026-02-27", assessment_date: null,
      result: "Pass", issue_date: "2026-03-02", reissued_date: null, expiry_date: null, trainer_name: null,
      trainer_registration: null, key_id: "k", photo: false, centre_address: null, verify_url: null,
    },
    ...over,
  };
}

describe("weekOf", () => {
  it("runs Monday to Sunday around any day of the week", () => {
    // Wednesday 4 March 2026.
    expect(weekOf(new Date(2026, 2, 4, 15))).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    // A Sunday belongs to the week that started six days before, not the next one.
    expect(weekOf(new Date(2026, 2, 8, 23, 59))).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    // A Monday starts its own week.
    expect(weekOf(new Date(2026, 2, 9, 0, 1))).toEqual({ from: "2026-03-09", to: "2026-03-15" });
  });

  it("crosses month and year ends", () => {
    expect(weekOf(new Date(2026, 0, 1))).toEqual({ from: "2025-12-29", to: "2026-01-04" });
  });
});

describe("certificates", () => {
  it("dates a reissued certificate by its reissue", () => {
    expect(issuedOn(cert("A-1", "x"))).toBe("2026-03-02");
    expect(issuedOn(cert("A-1", "x", { reissued_on: "2026-04-01" }))).toBe("2026-04-01");
  });

  it("finds certificates by number, name, course or employer, ignoring case", () => {
    const list = [cert("RPT-2026-000001", "Siân Llewelyn"), cert("RPT-2026-000002", "Bob Ray")];
    expect(matching(list, "  ").length).toBe(2);
    expect(matching(list, "000002").map((c) => c.number)).toEqual(["RPT-2026-000002"]);
    expect(matching(list, "siân").map((c) => c.content.candidate_name)).toEqual(["Siân Llewelyn"]);
    expect(matching(list, "acme").length).toBe(2);
    expect(matching(list, "nobody").length).toBe(0);
  });

  it("names the skipped enrolments of a run it knows, and says so when it does not", () => {
    const enrolments = [{ id: "e1", forename: "Cara", surname: "Ng" } as Enrolment];
    expect(skippedNames([{ enrolment_id: "e1", reason: "outcome is fail" }, { enrolment_id: "e9", reason: "no outcome yet" }], enrolments))
      .toEqual([{ name: "Cara Ng", reason: "outcome is fail" }, { name: "An enrolment", reason: "no outcome yet" }]);
  });
});

describe("statements and progress", () => {
  it("shows a statement's dates the UK way", () => {
    expect(trainedRange("2026-02-23..2026-02-27")).toBe("23/02/2026 – 27/02/2026");
    expect(trainedRange("2026-02-23..2026-02-23")).toBe("23/02/2026");
    expect(statementDate("", "does not expire")).toBe("does not expire");
    expect(statementDate("2029-02-27")).toBe("27/02/2029");
  });

  it("turns progress into a percentage that reaches 100 only at the end", () => {
    expect(percent(null)).toBe(0);
    expect(percent({ done: 0, total: 0 })).toBe(0);
    expect(percent({ done: 1, total: 3 })).toBe(33);
    expect(percent({ done: 999, total: 1000 })).toBe(99);
    expect(percent({ done: 3, total: 3 })).toBe(100);
  });

  it("counts in words", () => {
    expect(count(1, "certificate")).toBe("1 certificate");
    expect(count(1200, "certificate")).toBe("1,200 certificates");
  });

  it("asks for a reason before a reissue or revocation", () => {
    expect(reasonProblem("   ")).toMatch(/Give a reason/);
    expect(reasonProblem("x".repeat(501))).toMatch(/500/);
    expect(reasonProblem("Issued in error")).toBeNull();
  });
});
