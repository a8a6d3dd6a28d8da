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
  const model = env.AUSKUNFT_EMBEDDINGS_MODEL ?? config.model;
  if (!model) throw new ConfigError("embeddings.provider is \"openai\" but no model is set (embeddings.model or AUSKUNFT_EMBEDDINGS_MODEL)");
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) throw new ConfigError("embeddings.provider is \"openai\" but OPENAI_API_KEY is not set (any string for a local server)");
  const embeddings = new OpenAIEmbeddings({
    model,
    apiKey,
    encodingFormat: "float",
    maxRetries: 2,
    timeout: 30_000,
    ...(env.OPENAI_BASE_URL ? { configuration: { baseURL: env.OPENAI_BASE_URL } } : {}),
  });
  return Object.assign(embeddings, { id: `openai:${model}` });
}
