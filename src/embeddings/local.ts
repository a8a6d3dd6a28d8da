import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { foldWord, words } from "../text/normalize.js";
import { stem } from "../text/analyzer.js";
import { GERMAN_STOPWORDS } from "../text/stopwords.js";

export interface LocalEmbeddingsOptions extends EmbeddingsParams {
  dimensions?: number;
}

/**
 * Offline embeddings computed from the text itself, with no weights to download:
 * stemmed words and character n-grams of each word hashed into a fixed-width vector
 * (signed feature hashing), sublinear term frequency, unit length.
 * Character n-grams let "Hundesteuersatzung" and "Hundesteuer" share most of their
 * features, which is what makes this useful beside the lexical index.
 * Depends on nothing but the text, so a chunk's vector can be cached by its hash.
 */
export class LocalEmbeddings extends Embeddings {
  readonly dimensions: number;

  constructor(options: LocalEmbeddingsOptions = {}) {
    super(options);
    this.dimensions = options.dimensions ?? 512;
  }

  /** Identifies the embedding space: an index built by one embedder refuses queries from another. */
  get id(): string {
    return `local-hash-v2-${this.dimensions}`;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embed(t));
  }

  override async embedQuery(text: string): Promise<number[]> {
    return this.embed(text);
  }

  embed(text: string): number[] {
    const counts = new Map<number, number>();
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      const index = (h >>> 1) % this.dimensions;
      const sign = h & 1 ? 1 : -1;
      counts.set(index, (counts.get(index) ?? 0) + sign * weight);
    };
    for (const w of words(text).flatMap((raw) => foldWord(raw).split(/[-'’]/))) {
      if (GERMAN_STOPWORDS.has(w) || w.length < 2) continue;
      add(`w:${stem(w)}`, 1);
      if (/\d/.test(w)) continue;
      const padded = `<${w}>`;
      for (let n = 3; n <= 5; n++) {
        for (let i = 0; i + n <= padded.length; i++) add(padded.slice(i, i + n), 0.25);
      }
    }
    const v = new Array<number>(this.dimensions).fill(0);
    let norm = 0;
    for (const [i, c] of counts) {
      const x = Math.sign(c) * Math.log1p(Math.abs(c));
      v[i] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
    return v;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
