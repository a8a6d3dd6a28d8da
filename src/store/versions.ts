import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Index versions on disk: `index/versions/<id>/` holds complete versions, `index/current.json`
 * names the published one. A version is built in a staging folder and published by two renames,
 * so a reader sees either the old version or the new one, never a half-built one.
 */
export class VersionStore {
  readonly root: string;
  readonly versionsDir: string;
  private readonly pointer: string;

  constructor(dataDir: string, private readonly keep = 5) {
    this.root = path.join(dataDir, "index");
    this.versionsDir = path.join(this.root, "versions");
    this.pointer = path.join(this.root, "current.json");
  }

  versionDir(version: string): string {
    return path.join(this.versionsDir, version);
  }

  async current(): Promise<string | null> {
    try {
      const { version } = JSON.parse(await readFile(this.pointer, "utf8")) as { version: string };
      return version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** When the pointer last changed, so that a server can notice a new publish cheaply. */
  async pointerChangedAt(): Promise<number> {
    try {
      return (await stat(this.pointer)).mtimeMs;
    } catch {
      return 0;
    }
  }

  /** A new, empty staging folder for a version that is being built. */
  async stage(): Promise<{ version: string; dir: string }> {
    // Version names sort by time; a clock that did not move since the last one is nudged on.
    const latest = (await this.list()).at(-1) ?? "";
    let time = Date.now();
    const stampOf = (t: number) => new Date(t).toISOString().replace(/[-:.]/g, "").replace(/Z$/, "");
    while (stampOf(time) <= latest.slice(0, 18)) time++;
    const version = `${stampOf(time)}-${randomBytes(3).toString("hex")}`;
    const dir = path.join(this.root, `.staging-${version}`);
    await mkdir(dir, { recursive: true });
    return { version, dir };
  }

  /** Moves a verified staging folder into place and points `current` at it. */
  async publish(version: string, stagingDir: string): Promise<void> {
    await mkdir(this.versionsDir, { recursive: true });
    await rename(stagingDir, this.versionDir(version));
    await this.point(version);
    await this.prune(version);
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.versionsDir)).sort();
    } catch {
      return [];
    }
  }

  /** Points `current` at the version before the published one; returns it. */
  async rollback(): Promise<string> {
    const current = await this.current();
    const versions = await this.list();
    const i = current ? versions.indexOf(current) : -1;
    const previous = i > 0 ? versions[i - 1] : undefined;
    if (!previous) throw new Error("there is no earlier index version to roll back to");
    await this.point(previous);
    return previous;
  }

  /** Removes staging folders that a crashed run left behind. */
  async cleanStaging(): Promise<void> {
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      if (name.startsWith(".staging-")) await rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }

  private async point(version: string): Promise<void> {
    const tmp = `${this.pointer}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version, publishedAt: new Date().toISOString() }));
    await rename(tmp, this.pointer);
  }

  private async prune(published: string): Promise<void> {
    const versions = await this.list();
    const old = versions.filter((v) => v !== published).slice(0, Math.max(0, versions.length - this.keep));
    for (const v of old) await rm(this.versionDir(v), { recursive: true, force: true });
  }
}
