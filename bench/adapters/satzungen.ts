/**
 * Satzungen adapter: turns ../shared/eval/satzungen/ into an eval corpus and a question set.
 *
 * Source: ragsource-ai/ragsource-content: municipal statutes (Ortsrecht) of Landkreis Göppingen, Bad Boll and
 * Schwieberdingen plus Land law of Baden-Württemberg and Hessen, as Markdown with YAML front matter.
 * Statute texts are official works, not protected (§ 5 UrhG); structure and metadata CC BY 4.0: credit
 * the source in any published figures. The data stays outside the repository; this script only reads it.
 *
 * Corpus: a copy of every statute .md file below satzungen/ with its relative path (the upstream
 * README*.md files are not statutes and are left out). Set: satzungen.jsonl from bw-older/questions.jsonl,
 * id = qid, gold = ["bw-older/" + doc_path]. The labels are weak (written with help from a language model).
 *
 * Usage: npx tsx bench/adapters/satzungen.ts [outDir = .tmp/eval]   (SHARED_EVAL_DIR overrides ../shared/eval)
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface Item {
  qid: string;
  question: string;
  doc_path: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shared = path.resolve(process.env.SHARED_EVAL_DIR ?? path.join(repoRoot, "../shared/eval"));
const src = path.join(shared, "satzungen");
const out = path.join(path.resolve(process.argv[2] ?? ".tmp/eval"), "satzungen");

if (!existsSync(src)) {
  console.error(`satzungen adapter: ${src} not found (set SHARED_EVAL_DIR to the shared eval folder)`);
  process.exit(1);
}

/** Relative paths ("/"-separated) of every .md file below dir, sorted. */
function listMarkdown(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) return listMarkdown(dir, r);
      return e.isFile() && e.name.toLowerCase().endsWith(".md") ? [r] : [];
    })
    .sort();
}

rmSync(out, { recursive: true, force: true });
const all = listMarkdown(src);
const skipped = all.filter((f) => /^readme/i.test(path.posix.basename(f)));
const docs = all.filter((f) => !skipped.includes(f));
for (const f of docs) {
  const target = path.join(out, "corpus", ...f.split("/"));
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(src, ...f.split("/")), target);
}
const byFolder = new Map<string, number>();
for (const f of docs) byFolder.set(f.split("/")[0]!, (byFolder.get(f.split("/")[0]!) ?? 0) + 1);
console.log(
  `satzungen: ${docs.length} documents copied to ${path.join(out, "corpus")} (` +
    [...byFolder].map(([k, n]) => `${k} ${n}`).join(", ") +
    `; left out: ${skipped.join(", ") || "none"})`,
);

const docSet = new Set(docs);
const lines: string[] = [];
const gold = new Set<string>();
const ids = new Set<string>();
for (const [i, line] of readFileSync(path.join(src, "bw-older/questions.jsonl"), "utf8").split("\n").entries()) {
  if (!line.trim()) continue;
  const q = JSON.parse(line) as Item;
  const docId = `bw-older/${q.doc_path}`;
  if (!docSet.has(docId)) throw new Error(`questions.jsonl:${i + 1}: ${docId} is not in the corpus`);
  if (ids.has(q.qid)) throw new Error(`questions.jsonl:${i + 1}: duplicate qid ${q.qid}`);
  ids.add(q.qid);
  gold.add(docId);
  lines.push(JSON.stringify({ id: q.qid, question: q.question, gold: [docId], lang: "de" }));
}
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "satzungen.jsonl"), lines.join("\n") + "\n");
console.log(`satzungen: satzungen.jsonl: ${lines.length} questions over ${gold.size} gold documents`);
