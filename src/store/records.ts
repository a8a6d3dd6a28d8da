/**
 * The records that flow from ingestion to retrieval. The same chunk a search returns
 * is what a citation points to.
 */

export interface Chunk {
  /** Stable id: the document id and the chunk's position in it. */
  id: string;
  /** Document id: canonical URL of a crawled page, or the path of a file. */
  docId: string;
  /** Municipality whose source this is; null for shared (district, state, federal) sources. */
  municipality: string | null;
  /** URL a citizen can open: the page, with an anchor to the § where there is one. */
  url: string;
  /** Title of the document (for a statute: its title). */
  title: string;
  /** Headings above the chunk, outermost first. */
  headings: string[];
  /** For statutes: "§ 5 Steuersatz", or "§ 5 Abs. 2" when cut below a §. */
  section?: string;
  /** True when the document is a statute (Satzung, Verordnung, Gesetz). */
  statute?: boolean;
  /** "Stand" / "gültig ab" of the document where the source states it. */
  validFrom?: string;
  /** Page of a PDF, from 1. */
  page?: number;
  text: string;
  /** Hash of everything that goes into the chunk's embedding: unchanged hash, reusable vector. */
  hash: string;
}

/**
 * The version of extraction, chunking and text analysis. Bump it when they change: the next
 * ingestion then reads every document again (vectors of unchanged chunks are still reused) and
 * rebuilds the indexes, even where no page changed.
 */
export const PIPELINE_VERSION = "2026-11-25.4";

/** Documents are told apart by town: two towns may both have an "index.html". */
export const documentKey = (municipality: string | null, docId: string) => `${municipality ?? "*"}\u0000${docId}`;

export interface IndexManifest {
  version: string;
  /** PIPELINE_VERSION of the code that built it. */
  pipeline?: string;
  createdAt: string;
  embedder: string;
  dimensions: number;
  chunks: number;
  documents: number;
  municipalities: string[];
  /** The vector index was built centred (see VectorIndexOptions.centerFrom): its mean is kept beside the graph. */
  vectorsCentred?: boolean;
  /** How the vector graph was built (hnswlib's M and efConstruction). Missing in versions from before 2026-11-26. */
  graph?: { m: number; efConstruction: number };
}

/** Whether pipeline version `v` ("2026-11-25.4") is `min` or later; a missing one is older than any. */
export function pipelineAtLeast(v: string | undefined, min: string): boolean {
  if (!v) return false;
  const parse = (s: string) => {
    const [date = "", n = "0"] = s.split(".");
    return [date, Number(n)] as const;
  };
  const [d, n] = parse(v);
  const [minD, minN] = parse(min);
  return d > minD || (d === minD && n >= minN);
}

/** The text that is embedded and lexically indexed for a chunk: its context, then its words. */
export function chunkContext(chunk: Pick<Chunk, "title" | "headings" | "section">): string {
  const parts = [chunk.title, ...chunk.headings];
  if (chunk.section && !parts.includes(chunk.section)) parts.push(chunk.section);
  return parts.filter(Boolean).join(" › ");
}
