import { describe, expect, it } from "vitest";
import cases from "../../../src-tauri/core/src/fields/display_cases.json";
import { niNumber, phone } from "./format";

// The core's fields::display is tested against the same table, so the window, the documents and the
// `centrebook` command show a number the same way.
describe("phone", () => {
  it.each(cases.phone)("shows %s as %s", (stored, shown) => {
    expect(phone(stored)).toBe(shown);
  });
  it("shows nothing for no number", () => {
    expect(phone(null)).toBe("");
  });
});

describe("niNumber", () => {
  it.each(cases.ni_number)("shows %s as %s", (stored, shown) => {
    expect(niNumber(stored)).toBe(shown);
  });
});
