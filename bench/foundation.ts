/**
 * Figures of the whole path on the demo town, as a new user meets it:
 * ingestion time (CLI, cold), index size, time from starting the server to serving,
 * answer latency over HTTP and time to first token over socket.io.
 *   npx tsx bench/foundation.ts [--questions 300]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";
import { percentile } from "../ingest/eval/metrics.js";

const repo = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { questions: { type: "string", default: "300" } } });
const rounds = Number(values.questions);

const dataDir = await mkdtemp(path.join(tmpdir(), "auskunft-bench-"));
const config = JSON.parse(await readFile(path.join(repo, "data/config.json"), "utf8"));
config.municipalities[0].sources[0].root = path.join(repo, "data/demo/site");
config.server = { askPerMinute: 100_000 };
await writeFile(path.join(dataDir, "config.json"), JSON.stringify(config));
const env = { ...process.env, AUSKUNFT_DATA_DIR: dataDir, LOG_LEVEL: "warn" };
const tsx = path.join(repo, "node_modules/.bin/tsx");

const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(tsx, args, { cwd: repo, env: { ...env, ...extra }, stdio: "ignore" });
    child.on("exit", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });

const ingestMs = await run(["ingest/cli.ts"]);
const reingestMs = await run(["ingest/cli.ts"]);
const current = JSON.parse(await readFile(path.join(dataDir, "index/current.json"), "utf8")).version as string;
const versionDir = path.join(dataDir, "index/versions", current);
let indexBytes = 0;
for (const f of await readdir(versionDir)) indexBytes += (await stat(path.join(versionDir, f))).size;
const manifest = JSON.parse(await readFile(path.join(versionDir, "manifest.json"), "utf8"));

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const started = performance.now();
const server: ChildProcess = spawn(tsx, ["src/server/main.ts"], { cwd: repo, env: { ...env, PORT: String(port) }, stdio: "ignore" });
let startMs = 0;
for (;;) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) {
      startMs = performance.now() - started;
      break;
    }
  } catch {
    await new Promise((r) => setTimeout(r, 20));
  }
}

try {
  const questions = (await readFile(path.join(repo, "data/demo/questions.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { question: string }).question);
  const http: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const res = await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: questions[i % questions.length] }) });
    await res.json();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    http.push(performance.now() - t);
  }
  const socket = io(base, { transports: ["websocket"] });
  await new Promise<void>((r) => socket.once("connect", () => r()));
  const ttft: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    let first = 0;
    await new Promise<void>((resolve, reject) => {
      socket.once("answer:token", () => (first = performance.now() - t));
      socket.once("answer:done", () => resolve());
      socket.once("answer:error", (e: { message: string }) => reject(new Error(e.message)));
      socket.emit("ask", { question: questions[i % questions.length] });
    });
    socket.removeAllListeners("answer:token");
    socket.removeAllListeners("answer:error");
    ttft.push(first || performance.now() - t);
    total.push(performance.now() - t);
  }
  socket.close();
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`Demo town: ${manifest.documents} documents, ${manifest.chunks} chunks (embedder ${manifest.embedder})
| figure | value |
|---|---|
| ingestion, first run (npm run ingest, cold, incl. tsx start) | ${(ingestMs / 1000).toFixed(2)} s |
| ingestion, unchanged re-run | ${(reingestMs / 1000).toFixed(2)} s |
| index size on disk | ${(indexBytes / 1024).toFixed(0)} KiB |
| server start to first /healthz 200 (incl. tsx start) | ${ms(startMs)} |
| answer over HTTP, p50 / p95 (${rounds} questions, sequential) | ${ms(percentile(http, 50))} / ${ms(percentile(http, 95))} |
| socket.io time to first token, p50 / p95 | ${ms(percentile(ttft, 50))} / ${ms(percentile(ttft, 95))} |
| socket.io whole answer, p50 / p95 | ${ms(percentile(total, 50))} / ${ms(percentile(total, 95))} |`);
} finally {
  server.kill("SIGTERM");
  await rm(dataDir, { recursive: true, force: true });
}
