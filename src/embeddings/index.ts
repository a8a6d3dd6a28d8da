import { OpenAIEmbeddings } from "@langchain/openai";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../config/load.js";
import { LocalEmbeddings } from "./local.js";
import type { EmbeddingModel } from "./model.js";

export type { EmbeddingModel } from "./model.js";
export { LocalEmbeddings } from "./local.js";

/** The configured embedder: the offline one by default, or any OpenAI-compatible endpoint. */
export function createEmbeddings(config: Config["embeddings"], env: NodeJS.ProcessEnv = process.env): EmbeddingModel {
  if (config.provider === "local") {
    return new LocalEmbeddings({ dimensions: config.dimensions });
  }
  const model = config.model;
  if (!model) throw new ConfigError("embeddings.provider is \"openai\" but no model is set (embeddings.model or AUSKUNFT_EMBEDDINGS_MODEL)");
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) throw new ConfigError("embeddings.provider is \"openai\" but OPENAI_API_KEY is not set (any string for a local server)");
  const embeddings = new OpenAIEmbeddings({
    model,
    apiKey,
    // With the default base64, a server that returns float arrays gives silently wrong vectors.
    encodingFormat: "float",
    batchSize: config.batchSize,
    maxRetries: config.retries,
    timeout: config.timeoutMs,
    ...(config.baseUrl ? { configuration: { baseURL: config.baseUrl } } : {}),
  });
  return Object.assign(embeddings, { id: `openai:${model}` });
}
