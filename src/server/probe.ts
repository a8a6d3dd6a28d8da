import type { Config } from "../config/schema.js";
import { createEmbeddings } from "../embeddings/index.js";

/**
 * Problems a town's IT should hear of at start, before the first citizen asks: a model endpoint
 * that does not answer, or an index built by another embedder than the configured one.
 */
export async function probeEndpoints(config: Config, indexEmbedder: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const problems: string[] = [];
  const configured = createEmbeddings(config.embeddings, env).id;
  if (indexEmbedder && indexEmbedder !== configured) {
    problems.push(`the published index was built with "${indexEmbedder}" but "${configured}" is configured: run npm run ingest`);
  }
  for (const [what, c] of [["answer", config.answer], ["embeddings", config.embeddings]] as const) {
    if (c.provider !== "openai") continue;
    const url = `${(c.baseUrl ?? "https://api.openai.com/v1").replace(/\/$/, "")}/models`;
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${env.OPENAI_API_KEY ?? ""}` }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) problems.push(`${what} endpoint ${url} answered HTTP ${res.status}${res.status === 401 ? " (check OPENAI_API_KEY)" : ""}`);
    } catch (error) {
      problems.push(`${what} endpoint ${url} cannot be reached: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}; answers fall back to the offline mode`);
    }
  }
  return problems;
}
