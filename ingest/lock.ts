import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";

export class LockedError extends Error {
  readonly code = "ingest_running";
}

/** One ingestion run at a time per data folder; a lock left by a dead process is taken over. */
export async function acquireLock(indexRoot: string): Promise<() => Promise<void>> {
  await mkdir(indexRoot, { recursive: true });
  const file = path.join(indexRoot, "ingest.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (pid && isAlive(pid)) throw new LockedError(`another ingestion run (process ${pid}) is in progress; wait for it to finish`);
      await rm(file, { force: true });
    }
  }
  throw new LockedError("could not take the ingestion lock");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
