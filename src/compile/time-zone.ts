import { CriteriaError } from "../errors/criteria-error.js";

const known = new Set<string>();

/** Refuses a misspelt IANA zone up front instead of writing "Invalid Date" into a request. */
export function checkTimeZone(timeZone: string | undefined): void {
  if (timeZone === undefined || known.has(timeZone)) return;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw new CriteriaError("VALUE_IN_CRITERIA_NOT_SUPPORTED", `timeZone "${timeZone}" is not an IANA time zone name, e.g. "Asia/Kolkata" or "UTC"`, {
      path: "$.timeZone",
    });
  }
  known.add(timeZone);
}
