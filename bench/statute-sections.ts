/**
 * Does every chunk of a statute know its §? Runs extraction and chunking over every Markdown
 * statute under ../shared/eval/satzungen (OCR artefacts included) and counts:
 *  - statutes recognised as statutes,
 *  - chunks with a § (section), chunks before the first § (title, preamble) and in annexes,
 *  - chunks WITHOUT a § whose text nevertheless holds a § heading line (the target is 0).
 *   npx tsx bench/statute-sections.ts [dir] [--show 5]
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { chunkDocument } from "../ingest/chunk.js";
import { extractMarkdown } from "../ingest/extract/markdown.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: "string", default: "5" } } });
const root = path.resolve(positionals[0] ?? path.join(import.meta.dirname, "../../shared/eval/satzungen"));
const files: string[] = [];
const walk = async (dir: string) => {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p);
    else if (e.name.endsWith(".md") && !/readme/i.test(e.name)) files.push(p);
  }
};
await walk(root);

const SECTION_LINE = /^§\s*\d+[a-z]?\s+(?!Abs\b)[A-ZÄÖÜ]/m; // "§ 3 Gebühren", not "§ 14 Abs. 1 —" in a table
let statutes = 0;
let chunks = 0;
let withSection = 0;
let beforeFirst = 0;
let missed = 0;
const examples: string[] = [];
for (const file of files.sort()) {
  const doc = extractMarkdown(await readFile(file, "utf8"), path.basename(file));
  if (!doc.statute) continue;
  statutes++;
  const cs = chunkDocument(doc, { docId: path.relative(root, file), url: "", municipality: null });
  let seenSection = false;
  for (const c of cs) {
    chunks++;
    if (c.section) {
      withSection++;
      seenSection = true;
    } else if (SECTION_LINE.test(c.text)) {
      missed++;
      if (examples.length < Number(values.show)) examples.push(`${path.relative(root, file)}: ${c.text.slice(0, 160).replace(/\n/g, " ⏎ ")}`);
    } else if (!seenSection) beforeFirst++;
  }
}
console.log(`${files.length} Markdown files under ${root}; ${statutes} recognised as statutes
| figure | count |
|---|---|
| chunks of statutes | ${chunks} |
| chunks that carry their § | ${withSection} |
| chunks before the first § (title, preamble) | ${beforeFirst} |
| chunks after the §§ without one (annexes, signatures) | ${chunks - withSection - beforeFirst - missed} |
| **chunks without a § whose text holds a § heading** | **${missed}** |`);
for (const e of examples) console.log(`  e.g. ${e}`);
