// Parses AsyncAPI documents with @asyncapi/parser, the reference parser,
// which validates them against the AsyncAPI JSON Schema and its rule set.
//
//   node check-asyncapi.mjs FILE...
//
// Prints every diagnostic and exits with 1 if any is an error or a warning.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const severities = ["error", "warning", "information", "hint"];
const parser = new Parser();
let failed = false;

for (const file of process.argv.slice(2)) {
  const source = await readFile(file, "utf8");
  const { document, diagnostics } = await parser.parse(source, { source: file });
  for (const d of diagnostics) {
    const where = d.path.length ? d.path.join(".") : "(document)";
    console.log(`${file}: ${severities[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
    if (d.severity <= 1) {
      failed = true;
    }
  }
  if (!document) {
    console.log(`${file}: not a valid AsyncAPI document`);
    failed = true;
  } else {
    console.log(`${file}: AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
      `${document.operations().length} operations, ${document.messages().length} messages`);
  }
}
process.exit(failed ? 1 : 0);
