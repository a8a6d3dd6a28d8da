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
  documents: { added: DocumentChange[]; changed: DocumentChange[]; unchanged: number; removed: DocumentChange[]; kept: DocumentChange[] };
  failures: { url: string; reason: string }[];
  skippedByRobots: number;
  chunks: { total: number; embedded: number; reused: number };
}

/** The summary an editor reads at the end of a run. */
export function formatReport(r: IngestReport): string {
  const d = r.documents;
  const lines = [
    r.published ? `Published index version ${r.version}.` : r.version ? `Nothing changed: index version ${r.version} stays published.` : "Nothing was published.",
    `Documents: ${d.added.length} added, ${d.changed.length} changed, ${d.unchanged} unchanged, ${d.removed.length} removed, ${r.failures.length} failed${d.kept.length ? ` (${d.kept.length} kept from the last version)` : ""}.`,
    `Chunks: ${r.chunks.total} in the index, ${r.chunks.embedded} embedded, ${r.chunks.reused} reused.`,
    `Time: ${r.seconds.toFixed(1)} s.`,
  ];
  const list = (label: string, items: DocumentChange[]) => {
    if (items.length === 0) return;
    lines.push(`${label}:`);
    for (const i of items.slice(0, 20)) lines.push(`  - ${i.title} (${i.url})`);
    if (items.length > 20) lines.push(`  … and ${items.length - 20} more`);
  };
  list("Added", d.added);
  list("Changed", d.changed);
  list("Removed", d.removed);
  list("Failed, previous version kept", d.kept);
  if (r.failures.length) {
    lines.push("Failures:");
    for (const f of r.failures.slice(0, 30)) lines.push(`  - ${f.url}: ${f.reason}`);
    if (r.failures.length > 30) lines.push(`  … and ${r.failures.length - 30} more`);
  }
  if (r.skippedByRobots) lines.push(`Skipped because robots.txt disallows them: ${r.skippedByRobots} URLs.`);
  return lines.join("\n");
}
