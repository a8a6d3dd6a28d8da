/**
 * XQuAD adapter: turns ../shared/eval/xquad/ into an eval corpus and question sets.
 *
 * Source: google-deepmind/xquad (Artetxe et al., 2020), 240 SQuAD 1.1 paragraphs with 1,190 questions,
 * professionally translated and parallel across languages. Licence CC BY-SA 4.0: credit the source in any
 * published figures. The data stays outside the repository; this script only reads it.
 *
 * Corpus: the German paragraphs as <articleIndex>-<paragraphIndex>.txt (title line, blank line, paragraph).
 * Sets: xquad-{de,tr,ar,en,ru}.jsonl, every question of that language, gold = the German paragraph
 * (question ids and positions are parallel across languages, which is checked); facts only for German.
 *
 * Usage: npx tsx bench/adapters/xquad.ts [outDir = .tmp/eval]   (SHARED_EVAL_DIR overrides ../shared/eval)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface Squad {
  data: { title: string; paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string }[] }[] }[] }[];
}

const LANGS = ["de", "tr", "ar", "en", "ru"] as const;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shared = path.resolve(process.env.SHARED_EVAL_DIR ?? path.join(repoRoot, "../shared/eval"));
const src = path.join(shared, "xquad");
const out = path.join(path.resolve(process.argv[2] ?? ".tmp/eval"), "xquad");

if (!existsSync(src)) {
  console.error(`xquad adapter: ${src} not found (set SHARED_EVAL_DIR to the shared eval folder)`);
  process.exit(1);
}
const read = (lang: string) => JSON.parse(readFileSync(path.join(src, `xquad.${lang}.json`), "utf8")) as Squad;

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, "corpus"), { recursive: true });

// Corpus from the German file; remember each question id's document.
const docOf = new Map<string, string>();
let paragraphs = 0;
read("de").data.forEach((article, a) => {
  article.paragraphs.forEach((p, i) => {
    const docId = `${a}-${i}.txt`;
    // Titles are Wikipedia page names ("Super_Bowl_50"); underscores become spaces.
    writeFileSync(path.join(out, "corpus", docId), `${article.title.replace(/_/g, " ")}\n\n${p.context.trim()}\n`);
    paragraphs++;
    for (const q of p.qas) docOf.set(q.id, docId);
  });
});
console.log(`xquad: ${paragraphs} German paragraphs written to ${path.join(out, "corpus")}`);

for (const lang of LANGS) {
  const lines: string[] = [];
  read(lang).data.forEach((article, a) => {
    article.paragraphs.forEach((p, i) => {
      for (const q of p.qas) {
        const gold = docOf.get(q.id);
        if (gold !== `${a}-${i}.txt`) throw new Error(`xquad.${lang}: question ${q.id} is not parallel to the German file`);
        const first = q.answers[0]?.text;
        const facts = lang === "de" && first ? { facts: [first] } : {};
        lines.push(JSON.stringify({ id: q.id, question: q.question, gold: [gold], ...facts, lang }));
      }
    });
  });
  writeFileSync(path.join(out, `xquad-${lang}.jsonl`), lines.join("\n") + "\n");
  console.log(`xquad: xquad-${lang}.jsonl: ${lines.length} questions`);
}
