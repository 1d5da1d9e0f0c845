import { describe, expect, it } from "vitest";
import { COMPARATORS_BY_TYPE, DATA_TYPES, defineModule, formula, METHODS, methodsFor, picklist, ZOHO_COMPARATORS } from "../../src/index.js";

describe("COMPARATORS_BY_TYPE", () => {
  it("has a key for every data type, and only Zoho's comparators", () => {
    expect(Object.keys(COMPARATORS_BY_TYPE).sort()).toEqual([...DATA_TYPES].sort());
    for (const list of Object.values(COMPARATORS_BY_TYPE)) for (const c of list) expect(ZOHO_COMPARATORS).toContain(c);
  });

  it("gives the types criteria cannot use an empty list", () => {
    for (const type of ["fileupload", "imageupload", "profileimage", "subform", "multiselectlookup", "multiuserlookup", "territories"] as const) {
      expect(COMPARATORS_BY_TYPE[type]).toEqual([]);
      expect(methodsFor(type)).toEqual([]);
    }
  });

  it("gives booleans eq only, and numbers between through greater_equal + less_equal", () => {
    expect(methodsFor("boolean")).toEqual(["eq"]);
    expect(methodsFor("currency")).toContain("between");
    expect(COMPARATORS_BY_TYPE.currency).not.toContain("between");
    expect(METHODS.between.needs).toEqual(["greater_equal", "less_equal"]);
  });
});

describe("defineModule", () => {
  it("flattens lookup sub-fields to dot paths", () => {
    const M = defineModule("Deals", { Owner: { type: "ownerlookup", criteriaType: "ownerlookup", values: [], fields: { last_name: "text" } } });
    expect(M.paths).toEqual(["Owner", "Owner.last_name"]);
    expect(M.field("Owner.last_name")?.criteriaType).toBe("text");
  });

  it("types a formula by its return type", () => {
    const M = defineModule("Deals", { Score: formula("double") });
    expect(M.field("Score")).toMatchObject({ type: "formula", criteriaType: "double", kind: "number" });
  });

  it("refuses bad declarations from plain JavaScript with a clear error", () => {
    expect(() => defineModule("Deals", { Amount: "money" as "currency" })).toThrow(expect.objectContaining({ code: "INVALID_SCHEMA", field: "Amount" }));
    expect(() => defineModule("", {})).toThrow(expect.objectContaining({ code: "INVALID_SCHEMA" }));
    expect(() => defineModule("Deals", { Stage: picklist([] as unknown as ["x"]) })).toThrow(expect.objectContaining({ code: "INVALID_SCHEMA", field: "Stage" }));
    expect(() => formula("subform" as "double")).toThrow(expect.objectContaining({ code: "INVALID_SCHEMA" }));
  });
});
