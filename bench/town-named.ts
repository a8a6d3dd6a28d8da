/**
 * "A question that names a town ranks that town's statute first when several towns have the same kind of
 * statute" (issue 4), checked on the Satzungen evaluation: reads the corpus' front matter (gemeinde / verband /
 * kreis, titel) and the per-question rankings that `bash bench/eval-shared.sh` wrote.
 *   npx tsx bench/town-named.ts [.tmp/eval]
 * Counts the questions whose gold statute belongs to a named body (town, association or district) that the
 * question names, and of a kind (the "…satzung" / "…ordnung" word of its title) that another body has too;
 * a question passes when the first document ranked belongs to the named body.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const evalDir = path.resolve(process.argv[2] ?? ".tmp/eval");
const corpus = path.join(evalDir, "satzungen/corpus");
const resultsFile = path.join(evalDir, "results/satzungen.json");

interface Statute {
  owner?: string;
  kind?: string;
}
const statutes = new Map<string, Statute>();
const walk = (rel: string): void => {
  for (const e of readdirSync(path.join(corpus, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(r);
    else if (e.name.endsWith(".md")) statutes.set(r, describe(readFileSync(path.join(corpus, r), "utf8")));
  }
};
function describe(text: string): Statute {
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "";
  const field = (name: string) => new RegExp(`^${name}:\\s*"?([^"\\n]+)"?`, "m").exec(front)?.[1]?.trim();
  const title = field("titel") ?? "";
  const kind = title.match(/[A-Za-zÄÖÜäöüß-]*(?:satzung|ordnung)\b/gi)?.sort((a, b) => b.length - a.length)[0]?.toLowerCase();
  // The most specific body the statute belongs to.
  const owner = field("gemeinde") ?? field("verband") ?? field("kreis");
  return { ...(owner ? { owner } : {}), ...(kind ? { kind } : {}) };
}
walk("");

const questions = new Map(
  readFileSync(path.join(evalDir, "satzungen/satzungen.jsonl"), "utf8").trim().split("\n").map((l) => {
    const q = JSON.parse(l) as { id: string; question: string; gold: string[] };
    return [q.id, q] as const;
  }),
);
const results = (JSON.parse(readFileSync(resultsFile, "utf8")) as { results: { id: string; ranked: string[] }[] }).results;
const ownersOfKind = new Map<string, Set<string>>();
for (const s of statutes.values()) if (s.kind && s.owner) (ownersOfKind.get(s.kind) ?? ownersOfKind.set(s.kind, new Set()).get(s.kind)!).add(s.owner);

let eligible = 0;
let first = 0;
const misses: string[] = [];
for (const r of results) {
  const q = questions.get(r.id);
  const gold = q && statutes.get(q.gold[0] ?? "");
  if (!q || !gold?.owner || !gold.kind) continue;
  if ((ownersOfKind.get(gold.kind)?.size ?? 0) < 2) continue;
  if (!q.question.toLowerCase().includes(gold.owner.toLowerCase())) continue;
  eligible++;
  const top = statutes.get(r.ranked[0] ?? "");
  if (top?.owner === gold.owner) first++;
  else misses.push(`  ${q.id}: "${q.question}" → ${r.ranked[0]} (${top?.owner ?? "?"})`);
}
console.log(`questions naming the body whose statute answers them, where other bodies have the same kind of statute: ${eligible}`);
console.log(`that body's statute ranked first: ${first} (${eligible ? ((100 * first) / eligible).toFixed(1) : "-"} %)`);
if (misses.length) console.log(`not first:\n${misses.join("\n")}`);
