/**
 * Integreat / OMoS-QA adapter: turns ../shared/eval/integreat/ into an eval corpus and question sets.
 *
 * Source: digitalfabrik/integreat-qa-dataset (paper: "OMoS-QA", KONVENS 2024), pages of the Integreat app
 * (regions Landkreis Augsburg and Rems-Murr-Kreis). Dataset licence CC BY 4.0 (code MIT): credit the source
 * in any published figures. The data stays outside the repository; this script only reads it.
 *
 * Corpus: every page of pages/<region>.de.json as <region>/<pageId>.html.
 * Sets: integreat-de (dataset_de.json) and integreat-test-{de,ar,uk} (splits/test_*.json), each limited to
 * answerable questions (non-empty `answers`) whose page is in the corpus; gold = that page's document;
 * municipality = the question's region (used by `npm run eval -- --towns`, where each region is a town).
 *
 * Usage: npx tsx bench/adapters/integreat.ts [outDir = .tmp/eval]   (SHARED_EVAL_DIR overrides ../shared/eval)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface Page {
  id: number;
  title: string;
  url: string;
  content: string;
}
interface QaItem {
  id: number;
  question: string;
  answers: number[];
  city: string;
  pageId: number;
}

const REGIONS = ["lkaugsburg", "rems-murr-kreis"] as const;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shared = path.resolve(process.env.SHARED_EVAL_DIR ?? path.join(repoRoot, "../shared/eval"));
const src = path.join(shared, "integreat");
const out = path.join(path.resolve(process.argv[2] ?? ".tmp/eval"), "integreat");

if (!existsSync(src)) {
  console.error(`integreat adapter: ${src} not found (set SHARED_EVAL_DIR to the shared eval folder)`);
  process.exit(1);
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(src, file), "utf8")) as T;
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

rmSync(out, { recursive: true, force: true });
const docOf = new Map<number, string>(); // pageId -> document id
let emptyPages = 0;
for (const region of REGIONS) {
  mkdirSync(path.join(out, "corpus", region), { recursive: true });
  for (const page of readJson<Page[]>(`pages/${region}.de.json`)) {
    const docId = `${region}/${page.id}.html`;
    if (docOf.has(page.id)) throw new Error(`pageId ${page.id} occurs twice (${docOf.get(page.id)}, ${docId})`);
    docOf.set(page.id, docId);
    if (!page.content.trim()) emptyPages++;
    const title = escapeHtml(page.title);
    const html = `<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<main>\n<h1>${title}</h1>\n${page.content}\n</main>\n</body>\n</html>\n`;
    writeFileSync(path.join(out, "corpus", docId), html);
  }
}
console.log(`integreat: ${docOf.size} pages written (${emptyPages} with empty content, i.e. title only) to ${path.join(out, "corpus")}`);

/** Keeps answerable questions whose page is in the corpus; checks that the question's city is the page's region. */
function writeSet(name: string, items: QaItem[], lang: string): void {
  let unanswerable = 0;
  let pageMissing = 0;
  const lines: string[] = [];
  const docs = new Set<string>();
  for (const q of items) {
    if (q.answers.length === 0) {
      unanswerable++;
      continue;
    }
    const docId = docOf.get(q.pageId);
    if (!docId) {
      pageMissing++;
      continue;
    }
    if (!docId.startsWith(`${q.city}/`)) throw new Error(`question ${q.id}: city ${q.city} but page in ${docId}`);
    docs.add(docId);
    lines.push(JSON.stringify({ id: String(q.id), question: q.question, gold: [docId], lang, municipality: q.city }));
  }
  writeFileSync(path.join(out, `${name}.jsonl`), lines.join("\n") + "\n");
  console.log(
    `integreat: ${name}.jsonl: ${lines.length} questions over ${docs.size} gold pages ` +
      `(of ${items.length}: ${unanswerable} unanswerable, ${pageMissing} answerable with page not in the corpus)`,
  );
}

writeSet("integreat-de", readJson<QaItem[]>("dataset_de.json"), "de");
for (const lang of ["de", "ar", "uk"]) writeSet(`integreat-test-${lang}`, readJson<QaItem[]>(`splits/test_${lang}.json`), lang);
