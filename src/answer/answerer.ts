import type { AskResponse, Citation } from "../protocol/messages.js";
import type { Municipality } from "../config/schema.js";
import type { RetrievalResult } from "../retrieval/hybrid.js";
import type { GermanAnalyzer } from "../text/analyzer.js";

export interface GenerationInput {
  question: string;
  municipality: Municipality;
  retrieval: RetrievalResult;
  analyzer: GermanAnalyzer;
  language?: string;
  style?: "standard" | "simple";
  history?: { role: "user" | "assistant"; content: string }[];
  signal?: AbortSignal;
}

/** Turns retrieved chunks into an answer; streams its text through `onToken`. */
export interface Generator {
  readonly name: string;
  generate(input: GenerationInput, onToken: (text: string) => void): Promise<AskResponse>;
}

export type { AskResponse, Citation };
