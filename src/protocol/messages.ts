/**
 * The one public contract: the HTTP API, the socket.io events, the widget and the tests
 * all use these schemas. Extend them, never break them.
 */
import { z } from "zod";

export const MAX_QUESTION_CHARS = 2000;
export const MAX_HISTORY_TURNS = 20;

export const HistoryTurn = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string().max(8000),
});

export const AskRequest = z.object({
  question: z
    .string({ error: "question must be a string" })
    .trim()
    .min(1, "question must not be empty")
    .max(MAX_QUESTION_CHARS, `question must be at most ${MAX_QUESTION_CHARS} characters`),
  municipality: z.string().min(1).max(64).optional(),
  language: z.string().min(2).max(16).optional(),
  history: z.array(HistoryTurn).max(MAX_HISTORY_TURNS).optional(),
  /** "simple": answer again in plain language, keeping every figure and citation. */
  style: z.enum(["standard", "simple"]).optional(),
});
export type AskRequest = z.infer<typeof AskRequest>;

export const Citation = z.object({
  n: z.number().int().positive(),
  title: z.string(),
  url: z.string(),
  section: z.string().optional(),
  quote: z.string().optional(),
});
export type Citation = z.infer<typeof Citation>;

export const AskResponse = z.object({
  answer: z.string(),
  citations: z.array(Citation),
  grounded: z.boolean(),
  language: z.string(),
  /** Which answerer produced the text ("extractive" offline, or the model name): AI disclosure. */
  generator: z.string(),
  /** The final text differs from what was streamed: a client replaces the streamed text with it. */
  revised: z.boolean().optional(),
  /** A short notice for the citizen, e.g. that the AI service is unavailable. */
  notice: z.string().optional(),
});
export type AskResponse = z.infer<typeof AskResponse>;

export interface AnswerToken {
  text: string;
}

export interface AnswerError {
  code: string;
  message: string;
}

/** socket.io events, `noun:verb`, shared by the server, the widget and the tests. */
export interface ClientToServerEvents {
  ask: (payload: unknown) => void;
}

export interface ServerToClientEvents {
  "answer:token": (token: AnswerToken) => void;
  "answer:done": (answer: AskResponse) => void;
  "answer:error": (error: AnswerError) => void;
}

/** Turns a zod error into one sentence that names the field, for a 400 or an error event. */
export function describeInvalid(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "body";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}
