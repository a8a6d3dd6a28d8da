import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export class LockedError extends Error {
  readonly code = "ingest_running";
}

/**
 * One ingestion run at a time per data folder; a lock left by a dead process is taken over.
 * The lock file appears complete or not at all (written aside, then hard-linked into place), so a
 * second run never reads an empty lock and mistakes it for a stale one.
 */
export async function acquireLock(indexRoot: string): Promise<() => Promise<void>> {
  await mkdir(indexRoot, { recursive: true });
  const file = path.join(indexRoot, "ingest.lock");
  const mine = `${file}.${process.pid}`;
  await writeFile(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, file);
        return async () => {
          // Only our own lock is removed.
          if ((await readFile(file, "utf8").catch(() => "")).trim() === String(process.pid)) await rm(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
        if (pid && isAlive(pid)) throw new LockedError(`another ingestion run (process ${pid}) is in progress; wait for it to finish`);
        await rm(file, { force: true });
      }
    }
    throw new LockedError("could not take the ingestion lock");
  } finally {
    await rm(mine, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
