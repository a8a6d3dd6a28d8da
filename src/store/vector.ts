import { readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { loadHnswlib } from "./hnswlib.js";

const { hnswlib, build } = loadHnswlib();
const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;
/** Which build of hnswlib searches here ("portable", "x86-64-v3" or "native"; see src/store/hnswlib.ts). */
export const HNSWLIB_BUILD = build.name;

/**
 * Graph degree and build breadth. Measured on the project's hashed embeddings, centred, at 100,000 chunks
 * (bench/vector-recall.ts): M 24 finds 0.992 of the exact 10 nearest at ef 160, where M 16 needs ef 256
 * for 0.991 and takes 15 % longer; M 32 finds 0.994 at ef 160 in a larger, slower-built index.
 * efConstruction 400 against 200 took the evaluation corpora from 0.990 to 0.993 at ef 128 (measured with M 16).
 */
const DEFAULT_M = 24;
const DEFAULT_EF_CONSTRUCTION = 400;
const DEFAULT_CENTER_FROM = 1000;
/** Beyond this, a town's vector search walks the graph through its filter instead (see search). */
const MAX_UNFILTERED_WIDTH = 2000;
/**
 * Search breadth when none is configured (retrieval.efSearch). 160 finds 0.992 of the exact 10 nearest
 * at 100,000 chunks with the default graph (bench/vector-recall.ts).
 */
export const DEFAULT_EF = 160;
/**
 * The sparser graph of versions built before M 24 (M 16, no graph in their manifest) needs ef 256 where
 * M 24 needs 160 to find as much; such a version is searched that much wider until ingestion rebuilds it.
 */
export const LEGACY_GRAPH_EF_FACTOR = 1.6;

export interface VectorHit {
  index: number;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

export interface VectorIndexOptions {
  m?: number;
  efConstruction?: number;
  /** Search breadth; hnswlib's default of 10 loses recall, see bench/vector-recall.ts. */
  efSearch?: number;
  /**
   * From this many vectors on (default 1,000), index them minus their mean. Embeddings share a common
   * direction (the local ones: the character n-grams every German text has, 0.44 of each vector's
   * length), which makes every chunk look about equally near and the graph hard to navigate. Centred,
   * the graph finds 0.95 instead of 0.83 of the exact 10 nearest at ef 128 and 100,000 chunks, and
   * rankings on the evaluation sets stay within 0.004 nDCG (docs/retrieval.md). A small index is
   * left as it is: its mean is mostly its own few texts, and its graph is easy to search anyway.
   */
  centerFrom?: number;
  /**
   * The retrieval workers hold the vector index: the server's own thread does not load it (at
   * 100,000 chunks about 220 MB it would never use). Asking it then is a bug and says so.
   */
  heldByWorkers?: boolean;
  /**
   * When loading: the version's manifest says the graph was built centred (its mean must be there) or not
   * (a mean beside it is not the graph's). Unknown for versions from before the manifest said.
   */
  centred?: boolean;
}

/** The graph settings an index is built with. */
export function graphSettings(options: VectorIndexOptions): { m: number; efConstruction: number } {
  return { m: options.m ?? DEFAULT_M, efConstruction: options.efConstruction ?? DEFAULT_EF_CONSTRUCTION };
}

/**
 * HNSW over cosine similarity, labels = chunk positions in the version. Owned here
 * rather than through LangChain's HNSWLib store, which searches with ef=10 and keeps
 * every text in one JSON string.
 */
export class VectorIndex {
  private constructor(
    private readonly graph: Hnsw | undefined,
    readonly dimensions: number,
    /** Search breadth (hnswlib's ef). */
    readonly efSearch: number,
    /** The mean that was subtracted from each unit vector, and each difference's length (to restore the vector). */
    private readonly centering?: { mean: Float32Array; lengths: Float32Array },
    private readonly count = graph?.getCurrentCount() ?? 0,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Whether the vectors were indexed minus their mean (see VectorIndexOptions.centerFrom). */
  get centred(): boolean {
    return this.centering !== undefined;
  }

  /** Stands in for the index of `count` vectors that the retrieval workers hold (see heldByWorkers). */
  static heldByWorkers(dimensions: number, count: number): VectorIndex {
    return new VectorIndex(undefined, dimensions, 0, undefined, count);
  }

  private get hnsw(): Hnsw {
    if (!this.graph) throw new Error("the vector index is held by the retrieval workers and not loaded in this thread");
    return this.graph;
  }

  static build(vectors: number[][], dimensions: number, options: VectorIndexOptions = {}): VectorIndex {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    const { m, efConstruction } = graphSettings(options);
    hnsw.initIndex(Math.max(1, vectors.length), m, efConstruction, 100);
    vectors.forEach((v, i) => {
      if (v.length !== dimensions) throw new Error(`vector ${i} has ${v.length} dimensions, expected ${dimensions}`);
      // One NaN would make the mean, and with it every search and every reused vector, NaN.
      if (!v.every(Number.isFinite)) throw new Error(`vector ${i} holds a value that is not a finite number: the embedder answered wrongly`);
    });
    let centering: { mean: Float32Array; lengths: Float32Array } | undefined;
    if (vectors.length >= (options.centerFrom ?? DEFAULT_CENTER_FROM)) {
      const mean = new Float64Array(dimensions);
      for (const v of vectors) {
        const scale = 1 / ((length(v) || 1) * vectors.length);
        for (let d = 0; d < dimensions; d++) mean[d] = mean[d]! + v[d]! * scale;
      }
      centering = { mean: Float32Array.from(mean), lengths: new Float32Array(vectors.length) };
    }
    vectors.forEach((v, i) => {
      if (!centering) return hnsw.addPoint(v, i);
      const centred = subtract(toUnit(v), centering.mean);
      centering.lengths[i] = length(centred);
      hnsw.addPoint(centred, i);
    });
    const ef = options.efSearch ?? DEFAULT_EF;
    hnsw.setEf(ef);
    return new VectorIndex(hnsw, dimensions, ef, centering);
  }

  static async load(file: string, dimensions: number, options: VectorIndexOptions = {}): Promise<VectorIndex> {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    await hnsw.readIndex(file);
    const ef = options.efSearch ?? DEFAULT_EF;
    hnsw.setEf(ef);
    // Versions written before centring have no mean beside the graph and are searched as they are. One
    // built centred and missing its mean would find nonsense without a word: it is refused instead.
    let centering: { mean: Float32Array; lengths: Float32Array } | undefined;
    const hasMean = existsSync(centerFile(file));
    if (options.centred && !hasMean) {
      throw new Error(`${centerFile(file)} is missing: this version's vectors were indexed centred and cannot be searched without it; publish the version again (npm run ingest)`);
    }
    if (options.centred !== false && hasMean) {
      const bytes = await readFile(centerFile(file));
      const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const count = hnsw.getCurrentCount();
      if (all.length !== dimensions + count) throw new Error(`${centerFile(file)} holds ${all.length} numbers, expected ${dimensions + count}`);
      centering = { mean: all.slice(0, dimensions), lengths: all.slice(dimensions) };
    }
    return new VectorIndex(hnsw, dimensions, ef, centering);
  }

  async save(file: string): Promise<void> {
    await this.hnsw.writeIndex(file);
    if (this.centering) {
      const all = new Float32Array(this.dimensions + this.centering.lengths.length);
      all.set(this.centering.mean);
      all.set(this.centering.lengths, this.dimensions);
      await writeFile(centerFile(file), Buffer.from(all.buffer));
    }
  }

  /** The vector as it was given (unit length), for reuse by a later version. */
  vector(index: number): number[] {
    const stored = this.hnsw.getPoint(index);
    if (!this.centering) return stored;
    const { mean, lengths } = this.centering;
    const length = lengths[index]!;
    return stored.map((x, d) => x * length + mean[d]!);
  }

  /** The vector as the graph holds it (centred, unit length): what searches compare against. */
  searchedVector(index: number): number[] {
    return this.hnsw.getPoint(index);
  }

  /** A query as the graph compares it: unit length, minus the mean when the index is centred. */
  searchVector(query: number[]): number[] {
    return this.centering ? subtract(toUnit(query), this.centering.mean) : query;
  }

  /**
   * The `k` nearest chunks that `allow` accepts; `share`: about what part of all chunks it accepts
   * (a town's own and the shared ones). Filters the results of an unfiltered search wide enough that
   * about 1.5 × `k` of them pass (at least `ef` wide, which costs nothing extra: hnswlib searches
   * max(ef, k) anyway), and falls back to hnswlib's filtered search only when too few of them pass.
   * The filtered search finds about as many of the true nearest, but walks the graph node by node
   * through the filter, which at 100,000 chunks and a quarter of them accepted takes about twice as
   * long (bench/vector-recall.ts measures the recall for one town).
   */
  search(query: number[], k: number, allow?: (index: number) => boolean, share = 0.25): VectorHit[] {
    const n = Math.min(k, this.size);
    // A question of stop words only embeds to nothing: no direction to search in (centred, it would be minus the mean).
    if (n === 0 || query.length !== this.dimensions || length(query) === 0) return [];
    const toHits = (r: { neighbors: number[]; distances: number[] }) => r.neighbors.map((index, i) => ({ index, similarity: 1 - r.distances[i]! }));
    query = this.searchVector(query);
    if (!allow) return toHits(this.hnsw.searchKnn(query, n));
    const width = Math.min(this.size, Math.max(this.efSearch, Math.ceil((1.5 * n) / Math.max(share, 0.01))));
    if (width <= MAX_UNFILTERED_WIDTH) {
      const wide = toHits(this.hnsw.searchKnn(query, width)).filter((h) => allow(h.index));
      if (wide.length >= n) return wide.slice(0, n);
    }
    return toHits(this.hnsw.searchKnn(query, n, allow));
  }
}

function centerFile(file: string): string {
  return `${file}.center`;
}

function length(v: number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

function toUnit(v: number[]): number[] {
  const l = length(v);
  return l > 0 ? v.map((x) => x / l) : v;
}

function subtract(v: number[], mean: Float32Array): number[] {
  return v.map((x, d) => x - mean[d]!);
}
