import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { Config } from "./schema.js";

export class ConfigError extends Error {
  readonly code = "config_invalid";
}

export interface Environment {
  port: number;
  dataDir: string;
}

/** Reads PORT and AUSKUNFT_DATA_DIR: every command, server and ingestion alike. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Environment {
  const Env = z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    AUSKUNFT_DATA_DIR: z.string().min(1).default("data"),
  });
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return { port: parsed.data.PORT, dataDir: path.resolve(cwd, parsed.data.AUSKUNFT_DATA_DIR) };
}

/** Loads and validates `<dataDir>/config.json`, then the environment overrides; messages name the file or variable, the field and the problem. */
export async function loadConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const file = path.join(dataDir, "config.json");
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return applyEnvironment(parseConfig(json, file), env);
}

/**
 * Environment variables override the model settings of the config file:
 * AUSKUNFT_ANSWER_PROVIDER, AUSKUNFT_EMBEDDINGS_PROVIDER (local | openai), OPENAI_BASE_URL,
 * AUSKUNFT_CHAT_MODEL, AUSKUNFT_EMBEDDINGS_MODEL. A provider "openai" needs a model and OPENAI_API_KEY.
 */
export function applyEnvironment(config: Config, env: NodeJS.ProcessEnv): Config {
  const provider = (name: string, value: string | undefined) => {
    if (value === undefined || value === "") return undefined;
    if (value !== "local" && value !== "openai") throw new ConfigError(`${name} must be "local" or "openai", got "${value}"`);
    return value;
  };
  const baseUrl = env.OPENAI_BASE_URL || undefined;
  if (baseUrl && !/^https?:\/\/[^\s/]+/.test(baseUrl)) throw new ConfigError(`OPENAI_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  const answer = {
    ...config.answer,
    provider: provider("AUSKUNFT_ANSWER_PROVIDER", env.AUSKUNFT_ANSWER_PROVIDER) ?? config.answer.provider,
    model: env.AUSKUNFT_CHAT_MODEL || config.answer.model,
    baseUrl: baseUrl ?? config.answer.baseUrl,
  };
  const embeddings = {
    ...config.embeddings,
    provider: provider("AUSKUNFT_EMBEDDINGS_PROVIDER", env.AUSKUNFT_EMBEDDINGS_PROVIDER) ?? config.embeddings.provider,
    model: env.AUSKUNFT_EMBEDDINGS_MODEL || config.embeddings.model,
    baseUrl: baseUrl ?? config.embeddings.baseUrl,
  };
  for (const [what, c, modelVar] of [["answer", answer, "AUSKUNFT_CHAT_MODEL"], ["embeddings", embeddings, "AUSKUNFT_EMBEDDINGS_MODEL"]] as const) {
    if (c.provider !== "openai") continue;
    if (!c.model) throw new ConfigError(`${what}.provider is "openai" but no model is set (${what}.model in config.json or ${modelVar})`);
    if (!env.OPENAI_API_KEY) throw new ConfigError(`${what}.provider is "openai" but OPENAI_API_KEY is not set (any string for a local server)`);
  }
  return { ...config, answer, embeddings };
}

export function parseConfig(json: unknown, where = "config"): Config {
  const parsed = Config.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new ConfigError(`${where} is invalid:\n${lines.join("\n")}`);
  }
  const config = parsed.data;
  const ids = new Set<string>();
  for (const m of config.municipalities) {
    if (ids.has(m.id)) throw new ConfigError(`${where} is invalid: municipality id "${m.id}" appears twice`);
    ids.add(m.id);
  }
  if (config.defaultMunicipality && !ids.has(config.defaultMunicipality)) {
    throw new ConfigError(`${where} is invalid: defaultMunicipality "${config.defaultMunicipality}" is not one of ${[...ids].join(", ")}`);
  }
  return config;
}

/** The municipality a request names, or the default (the first one when none is set). */
export function municipalityOf(config: Config, id?: string) {
  const wanted = id ?? config.defaultMunicipality ?? config.municipalities[0]!.id;
  return config.municipalities.find((m) => m.id === wanted);
}
