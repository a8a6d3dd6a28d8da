/**
 * Exact nearest neighbours by a full scan, as the reference for HNSW recall (bench/vector-recall.ts,
 * bench/retrieval-scale.ts): in the space the index searches (centred vectors when it is centred).
 */
import type { VectorIndex } from "../src/store/vector.js";

/** Every vector as the index compares it, one row per chunk. */
export function searchedMatrix(index: VectorIndex): Float32Array {
  const matrix = new Float32Array(index.size * index.dimensions);
  for (let i = 0; i < index.size; i++) matrix.set(index.searchedVector(i), i * index.dimensions);
  return matrix;
}

/** Every chunk's cosine similarity to the question (`query` as the index searches it: see VectorIndex.searchVector). */
export function similarities(matrix: Float32Array, dimensions: number, query: number[]): Float64Array {
  const n = matrix.length / dimensions;
  const q = Float64Array.from(query);
  const out = new Float64Array(n);
  for (let i = 0, at = 0; i < n; i++, at += dimensions) {
    let s = 0;
    for (let d = 0; d < dimensions; d++) s += matrix[at + d]! * q[d]!;
    out[i] = s;
  }
  return out;
}

/** The similarity of the k-th nearest chunk that `allow` accepts (all when it is missing), and the k nearest. */
export function kthSimilarity(sims: Float64Array, k: number, allow?: (i: number) => boolean): { kth: number; ids: Set<number> } {
  const best: number[] = [];
  for (let i = 0; i < sims.length; i++) if (!allow || allow(i)) best.push(i);
  best.sort((a, b) => sims[b]! - sims[a]!);
  const top = best.slice(0, k);
  return { kth: sims[top[top.length - 1]!] ?? -Infinity, ids: new Set(top) };
}
