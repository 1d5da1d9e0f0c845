// A module's schema at run time, from Zoho's fields metadata: fetched from the server
// (`GET /crm/{v}/settings/fields?module=...`) or read from a saved copy (`--schema`), and built
// with the core's defineModuleFromFields, which validates it as the untrusted input it is.
//
// Zoho's fields response does not describe a lookup's own fields, so when a query names a
// sub-field (`Owner.last_name`), the lookup's target module is fetched too. A saved file may
// carry them under a "related" key: {"fields": [...], "related": {"users": {"fields": [...]}}}.

import { defineModuleFromFields, type Module } from "../index.js";
import { CliError } from "./cli-error.js";
import type { Io } from "./output.js";
import { readJsonInput } from "./read-input.js";
import type { ZohoConnection } from "./zoho-connection.js";

/** Every `api_name` string in criteria JSON (both the v2.1+ and the v2 shapes). */
export function criteriaFieldNames(json: unknown): string[] {
  const names: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === "api_name" && typeof inner === "string") names.push(inner);
        else walk(inner);
      }
    }
  };
  walk(json);
  return names;
}

/** The lookups whose sub-fields are named: `Owner` for `Owner.last_name`. */
function lookupPrefixes(paths: readonly string[]): string[] {
  return [...new Set(paths.filter((p) => p.includes(".")).map((p) => p.slice(0, p.indexOf("."))))];
}

/** A module from a saved fields-metadata file (with optional "related" modules). */
export async function moduleFromSchemaFile(apiName: string, path: string, io: Io): Promise<Module> {
  const json = await readJsonInput(path, io, "the schema file");
  const related = typeof json === "object" && json !== null ? (json as Record<string, unknown>)["related"] : undefined;
  if (related !== undefined && (typeof related !== "object" || related === null || Array.isArray(related))) {
    throw new CliError(`The schema file ${path}: "related" must map module names to their fields metadata`, { code: "INVALID_SCHEMA", path: "$.related" });
  }
  return defineModuleFromFields(apiName, json, { unknownTypes: "skip", ...(related !== undefined && { related: related as Record<string, unknown> }) });
}

function lookupTarget(metadata: unknown, field: string): string | undefined {
  const fields = (metadata as { fields?: unknown })?.fields;
  if (!Array.isArray(fields)) return undefined;
  const entry = fields.find((f: unknown) => (f as { api_name?: unknown })?.api_name === field) as Record<string, unknown> | undefined;
  if (entry === undefined) return undefined;
  const target = (entry["lookup"] as { module?: { api_name?: unknown } } | undefined)?.module?.api_name;
  if (typeof target === "string") return target;
  return entry["data_type"] === "ownerlookup" || entry["data_type"] === "userlookup" ? "users" : undefined;
}

/** A module from the server's fields metadata, with the lookup targets `paths` need. */
export async function moduleFromServer(apiName: string, connection: ZohoConnection, paths: readonly string[]): Promise<Module> {
  const metadata = await connection.fetchFields(apiName);
  const related: Record<string, unknown> = {};
  for (const prefix of lookupPrefixes(paths)) {
    const target = lookupTarget(metadata, prefix);
    if (target === undefined || Object.hasOwn(related, target)) continue;
    try {
      related[target] = await connection.fetchFields(target);
    } catch (error) {
      throw new CliError(`${apiName}.${prefix} is a lookup to ${target}, whose fields the server did not give (${(error as Error).message}); pass --schema with a "related" entry for ${target}`, {
        code: "INVALID_SCHEMA",
      });
    }
  }
  return defineModuleFromFields(apiName, metadata, { unknownTypes: "skip", related });
}
