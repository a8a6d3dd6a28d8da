import { readFile } from "node:fs/promises";
import { z } from "zod";

export const EvalQuestion = z.object({
  id: z.string().min(1),
  question: z.string().min(1),
  gold: z.array(z.string()),
  facts: z.array(z.string()).optional(),
  history: z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() })).optional(),
  lang: z.string().optional(),
  /** The town the question is asked in (evaluations with --towns: one folder of the corpus per town). */
  municipality: z.string().min(1).optional(),
});
export type EvalQuestion = z.infer<typeof EvalQuestion>;

/** One JSON object per line; a broken line is an error that names the line. */
export async function readQuestions(file: string): Promise<EvalQuestion[]> {
  const lines = (await readFile(file, "utf8")).split("\n");
  const out: EvalQuestion[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new Error(`${file}:${i + 1}: not JSON: ${(error as Error).message}`);
    }
    const parsed = EvalQuestion.safeParse(json);
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
    out.push(parsed.data);
  });
  return out;
}
