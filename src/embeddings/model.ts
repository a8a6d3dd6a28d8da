/** What retrieval and ingestion need of an embedder; LangChain's Embeddings plus an identity. */
export interface EmbeddingModel {
  /** Names the embedding space; an index remembers it and refuses another. */
  readonly id: string;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}
