import { describe, expect, it } from "vitest";
import { isUkDate, todayUk, ukDate, ukDateTime, ukRange } from "./dates";
import { placeError } from "./errors";

describe("UK dates", () => {
  it("formats ISO dates as dd/mm/yyyy", () => {
    expect(ukDate("2026-03-07")).toBe("07/03/2026");
    expect(ukDate(null)).toBe("");
    expect(ukRange("2026-03-07", "2026-03-09")).toBe("07/03/2026 – 09/03/2026");
    expect(ukRange("2026-03-07", "2026-03-07")).toBe("07/03/2026");
    expect(todayUk(new Date(2026, 0, 5))).toBe("05/01/2026");
    expect(ukDateTime("2026-03-07T09:05:00")).toBe("07/03/2026 09:05");
  });
  it("checks typed dates against the calendar", () => {
    expect(isUkDate("29/02/2024")).toBe(true);
    expect(isUkDate("29/02/2025")).toBe(false);
    expect(isUkDate("2025-02-01")).toBe(false);
  });
});

describe("placeError", () => {
  const keys = { "ni number": "ni_number", surname: "surname" };
  it("puts an invalid field's reason beside that field", () => {
    const e = { kind: "invalid", message: "NI number: is not valid", field: "NI number", reason: "is not valid" };
    expect(placeError(e, keys)).toEqual({ fields: { ni_number: "Is not valid" }, form: null });
  });
  it("shows anything else for the whole form", () => {
    const e = { kind: "forbidden", message: "not allowed: a trainer account may not register or edit records", field: null, reason: null };
    expect(placeError(e, keys)).toEqual({ fields: {}, form: "Not allowed: a trainer account may not register or edit records" });
    expect(placeError({ kind: "invalid", message: "venue: too long", field: "venue", reason: "too long" }, keys).form).toBe("Venue: too long");
  });
});
