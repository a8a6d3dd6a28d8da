import hnswlib from "hnswlib-node";

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface VectorHit {
  index: number;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

export interface VectorIndexOptions {
  m?: number;
  efConstruction?: number;
  /** Search breadth; hnswlib's default of 10 loses recall, see bench/vector-recall. */
  efSearch?: number;
}

/**
 * HNSW over cosine similarity, labels = chunk positions in the version. Owned here
 * rather than through LangChain's HNSWLib store, which searches with ef=10 and keeps
 * every text in one JSON string.
 */
export class VectorIndex {
  private constructor(
    private readonly hnsw: Hnsw,
    readonly dimensions: number,
  ) {}

  get size(): number {
    return this.hnsw.getCurrentCount();
  }

  static build(vectors: number[][], dimensions: number, options: VectorIndexOptions = {}): VectorIndex {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    hnsw.initIndex(Math.max(1, vectors.length), options.m ?? 16, options.efConstruction ?? 200, 100);
    vectors.forEach((v, i) => {
      if (v.length !== dimensions) throw new Error(`vector ${i} has ${v.length} dimensions, expected ${dimensions}`);
      hnsw.addPoint(v, i);
    });
    hnsw.setEf(options.efSearch ?? 64);
    return new VectorIndex(hnsw, dimensions);
  }

  static async load(file: string, dimensions: number, options: VectorIndexOptions = {}): Promise<VectorIndex> {
    const hnsw = new HierarchicalNSW("cosine", dimensions);
    await hnsw.readIndex(file);
    hnsw.setEf(options.efSearch ?? 64);
    return new VectorIndex(hnsw, dimensions);
  }

  async save(file: string): Promise<void> {
    await this.hnsw.writeIndex(file);
  }

  vector(index: number): number[] {
    return this.hnsw.getPoint(index);
  }

  /**
   * The `k` nearest chunks that `allow` accepts. Filters after an unfiltered search over a few times
   * more neighbours (a filter callback from native code for every visited node costs more), and only
   * falls back to the filtered search when too few remain.
   */
  search(query: number[], k: number, allow?: (index: number) => boolean): VectorHit[] {
    const n = Math.min(k, this.size);
    if (n === 0 || query.length !== this.dimensions) return [];
    const toHits = (r: { neighbors: number[]; distances: number[] }) => r.neighbors.map((index, i) => ({ index, similarity: 1 - r.distances[i]! }));
    if (!allow) return toHits(this.hnsw.searchKnn(query, n));
    const wide = toHits(this.hnsw.searchKnn(query, Math.min(this.size, n * 4))).filter((h) => allow(h.index));
    if (wide.length >= n) return wide.slice(0, n);
    return toHits(this.hnsw.searchKnn(query, n, allow));
  }
}
