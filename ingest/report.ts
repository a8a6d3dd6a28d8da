export interface DocumentChange {
  docId: string;
  url: string;
  title: string;
}

export interface IngestReport {
  version: string | null;
  published: boolean;
  startedAt: string;
  seconds: number;
  /** `kept`: documents of the last version that this run did not get, kept with their chunks, and why. */
  documents: { added: DocumentChange[]; changed: DocumentChange[]; unchanged: number; removed: DocumentChange[]; kept: (DocumentChange & { reason?: string })[] };
  failures: { url: string; reason: string }[];
  /**
   * Sources that could not be crawled completely for a temporary reason (start page or sitemap failed for now,
   * robots.txt unreachable): nothing of them was removed that the site did not itself report gone.
   */
  incomplete: { source: string; reasons: string[] }[];
  skippedByRobots: number;
  chunks: { total: number; embedded: number; reused: number };
}

/** Why nothing was published; after an outage, "nothing changed" would claim more than the run could see. */
export function nothingChanged(version: string, incomplete: boolean): string {
  return incomplete
    ? `Nothing changed in what could be crawled: index version ${version} stays published.`
    : `Nothing changed: index version ${version} stays published.`;
}

/** The summary an editor reads at the end of a run. */
export function formatReport(r: IngestReport): string {
  const d = r.documents;
  const lines = [r.published ? `Published index version ${r.version}.` : r.version ? nothingChanged(r.version, (r.incomplete ?? []).length > 0) : "Nothing was published."];
  // An outage comes first: it explains why pages stayed that may be gone, and that the run should be repeated.
  for (const s of r.incomplete ?? []) {
    lines.push(`Not crawled completely: ${s.source} (temporary failure: pages it did not reach are kept, not removed; run again later):`);
    for (const reason of s.reasons) lines.push(`  - ${reason}`);
  }
  lines.push(
    `Documents: ${d.added.length} added, ${d.changed.length} changed, ${d.unchanged} unchanged, ${d.removed.length} removed, ${r.failures.length} failed${d.kept.length ? ` (${d.kept.length} kept from the last version)` : ""}.`,
    `Chunks: ${r.chunks.total} in the index, ${r.chunks.embedded} embedded, ${r.chunks.reused} reused.`,
    `Time: ${r.seconds.toFixed(1)} s.`,
  );
  const list = (label: string, items: (DocumentChange & { reason?: string })[]) => {
    if (items.length === 0) return;
    lines.push(`${label}:`);
    for (const i of items.slice(0, 20)) lines.push(`  - ${i.title} (${i.url})${i.reason ? `: ${i.reason}` : ""}`);
    if (items.length > 20) lines.push(`  … and ${items.length - 20} more`);
  };
  list("Added", d.added);
  list("Changed", d.changed);
  list("Removed", d.removed);
  list("Kept from the last version", d.kept);
  if (r.failures.length) {
    lines.push("Failures:");
    for (const f of r.failures.slice(0, 30)) lines.push(`  - ${f.url}: ${f.reason}`);
    if (r.failures.length > 30) lines.push(`  … and ${r.failures.length - 30} more`);
  }
  if (r.skippedByRobots) lines.push(`Skipped because robots.txt disallows them: ${r.skippedByRobots} URLs.`);
  return lines.join("\n");
}
