import { describe, expect, it } from "vitest";
import { conflictText } from "./matching";

describe("a conflict", () => {
  it("says which value matched and which says otherwise", () => {
    expect(conflictText({ matched: "ni_number", contradicted_by: "name_and_date_of_birth" }))
      .toBe("the same NI number, but a different name and date of birth");
    expect(conflictText({ matched: "surname_dob_postcode", contradicted_by: "ni_number" }))
      .toBe("the same surname, date of birth and postcode, but a different NI number");
  });
});
