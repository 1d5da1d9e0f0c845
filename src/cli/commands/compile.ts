// `zoho-bulk-read compile`: criteria JSON in, validated and normalised Bulk Read JSON out, or
// the first problem as one line with its code and JSON path (exit 1).

import { Command, Option } from "commander";
import { formatCriteria, parseCriteria, toBulkReadCriteria } from "../../index.js";
import { usageError } from "../cli-error.js";
import { examples, type CommandContext } from "../command-context.js";
import { moduleFromSchemaFile } from "../module-schema-source.js";
import { readTextInput } from "../read-input.js";
import { compactJson } from "../compact-json.js";

interface CompileFlags {
  module: string;
  schema: string;
  v2?: boolean;
  timeZone?: string;
}

export function compileCommand(ctx: CommandContext): Command {
  return new Command("compile")
    .summary("validate criteria JSON against a module's schema and print it normalised")
    .description(
      "Reads Bulk Read criteria JSON (a file, or stdin), checks every rule Zoho enforces against the " +
      "module's fields metadata, and prints the normalised criteria JSON.\n\nOn a problem it prints " +
      "one line naming the Zoho error code and the JSON path (e.g. $.group[1].comparator) and exits " +
      "with 1.\n\nAccepts the v2.1+ shape ({\"field\": {\"api_name\": ...}}) and the v2 shape " +
      "({\"api_name\": ...}).",
    )
    .argument("[criteria]", 'criteria JSON file, or "-" for stdin (the default when stdin is piped)')
    .requiredOption("-m, --module <name>", "module API name, e.g. Leads")
    .requiredOption("-s, --schema <fields.json>", "the module's fields metadata, as GET /crm/v8/settings/fields?module=<name> returns it")
    .option("--v2", "write the v2 (flat api_name) shape instead of the v2.1+ shape")
    .addOption(new Option("--time-zone <iana>", "IANA time zone for writing date values, e.g. Europe/Berlin"))
    .addHelpText(
      "after",
      examples([
        "zoho-bulk-read compile --module Leads --schema demo-output/Leads.fields.json demo-output/criteria.json",
        "echo '{\"field\":{\"api_name\":\"Lead_Status\"},\"comparator\":\"equal\",\"value\":\"New\"}' | zoho-bulk-read compile -m Leads -s Leads.fields.json",
        "zoho-bulk-read compile -m Leads -s Leads.fields.json --v2 criteria.json",
        "zoho-bulk-read compile -m Leads -s Leads.fields.json --json criteria.json   # {\"ok\":true,\"criteria\":...}",
      ]),
    )
    .action(async (source: string | undefined, flags: CompileFlags, command: Command) => {
      const out = ctx.output(command);
      const input = source ?? "-";
      if (source === undefined && ctx.io.stdin.isTTY === true) {
        throw usageError('compile needs criteria JSON: give a file, or pipe it on stdin ("-")');
      }
      const module = await moduleFromSchemaFile(flags.module, flags.schema, ctx.io);
      const text = await readTextInput(input, ctx.io, "the criteria");
      const criteria = parseCriteria(text, module);
      const options = { ...(flags.v2 && { version: "v2" as const }), ...(flags.timeZone !== undefined && { timeZone: flags.timeZone }) };
      const json = toBulkReadCriteria(criteria, options);
      out.line(compactJson(json));
      out.result({ ok: true, module: module.apiName, criteria: json, text: formatCriteria(criteria) });
    });
}
