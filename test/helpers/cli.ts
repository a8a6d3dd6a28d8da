import { spawn } from "node:child_process";
import path from "node:path";
import { REPO } from "./demo.js";

/**
 * `npm run ingest -- <args>` as an editor runs it: the real CLI in its own process, with
 * AUSKUNFT_DATA_DIR set. Killed if still running after `timeoutMs`, so that a hang fails the test
 * instead of outliving it.
 */
export function runIngestCli(dataDir: string, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(path.join(REPO, "node_modules/.bin/tsx"), ["ingest/cli.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, AUSKUNFT_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
