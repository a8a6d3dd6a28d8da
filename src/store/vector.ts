import hnswlib from "hnswlib-node";

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/**
 * Graph degree and build breadth. Measured on the project's hashed embeddings (bench/vector-recall.ts):
 * against efConstruction 200, 400 takes the evaluation corpora from 0.990 to 0.993 of the exact 10
 * nearest at ef 128 (and 100,000 chunks from 0.81 to 0.83); M 32 finds a little more again (0.997,
 * 0.87) but makes each search at 100,000 chunks 30 % slower, which the latency budget cannot spare.
 */
const DEFAULT_M = 16;
const DEFAULT_EF_CONSTRUCTION = 400;
/** Search breadth when none is configured (retrieval.efSearch). */
const DEFAULT_EF = 128;

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
   * The retrieval workers hold the vector index: the server's own thread does not load it (at
   * 100,000 chunks about 220 MB it would never use). Asking it then is a bug and says so.
   */
  heldByWorkers?: boolean;
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
    private readonly count = graph?.getCurrentCount() ?? 0,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Stands in for the index of `count` vectors that the retrieval workers hold (see heldByWorkers). */
  static heldByWorkers(dimensions: number, count: number): VectorIndex {
    return new VectorIndex(undefined, dimensions, 0, count);
  }

  private get hnsw(): Hnsw {
    if (!this.graph) throw new Error("the vector index is held by the retrieval workers and not loaded in this thread");
    return this.graph;
  }

  static build(vectors: number[][], dimensions: number, options: VectorIndexOptions = {}): VectorIndex {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    hnsw.initIndex(Math.max(1, vectors.length), options.m ?? DEFAULT_M, options.efConstruction ?? DEFAULT_EF_CONSTRUCTION, 100);
    vectors.forEach((v, i) => {
      if (v.length !== dimensions) throw new Error(`vector ${i} has ${v.length} dimensions, expected ${dimensions}`);
      hnsw.addPoint(v, i);
    });
    const ef = options.efSearch ?? DEFAULT_EF;
    hnsw.setEf(ef);
    return new VectorIndex(hnsw, dimensions, ef);
  }

  static async load(file: string, dimensions: number, options: VectorIndexOptions = {}): Promise<VectorIndex> {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    await hnsw.readIndex(file);
    const ef = options.efSearch ?? DEFAULT_EF;
    hnsw.setEf(ef);
    return new VectorIndex(hnsw, dimensions, ef);
  }

  async save(file: string): Promise<void> {
    await this.hnsw.writeIndex(file);
  }

  vector(index: number): number[] {
    return this.hnsw.getPoint(index);
  }

  /**
   * The `k` nearest chunks that `allow` accepts. Filters the results of an unfiltered search for at
   * least four times `k` and at least `ef` neighbours (the latter costs nothing extra: hnswlib searches
   * max(ef, k) anyway), and falls back to hnswlib's filtered search only when too few of them pass.
   * The filtered search finds about as many of the true nearest as an unfiltered one of `ef`, but has
   * to walk the graph until it has `ef` accepted nodes: for a town with a quarter of the chunks about
   * as far as an unfiltered search of 4 × `ef` (bench/vector-recall.ts measures the recall for one town).
   */
  search(query: number[], k: number, allow?: (index: number) => boolean): VectorHit[] {
    const n = Math.min(k, this.size);
    if (n === 0 || query.length !== this.dimensions) return [];
    const toHits = (r: { neighbors: number[]; distances: number[] }) => r.neighbors.map((index, i) => ({ index, similarity: 1 - r.distances[i]! }));
    if (!allow) return toHits(this.hnsw.searchKnn(query, n));
    const wide = toHits(this.hnsw.searchKnn(query, Math.min(this.size, Math.max(n * 4, this.efSearch)))).filter((h) => allow(h.index));
    if (wide.length >= n) return wide.slice(0, n);
    return toHits(this.hnsw.searchKnn(query, n, allow));
  }
}
