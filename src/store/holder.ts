import { IndexSnapshot } from "./snapshot.js";
import type { VectorIndexOptions } from "./vector.js";
import type { VersionStore } from "./versions.js";

export interface HolderEvents {
  /** Called with a new version's folder before requests are switched to it. */
  beforeSwitch?: (dir: string) => Promise<void> | undefined;
  onLoaded?: (version: string, chunks: number, ms: number) => void;
  onError?: (error: Error) => void;
}

const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 5 * 60_000;

/**
 * Holds the published index and swaps in a newly published version without a restart:
 * requests in flight keep the snapshot they started with.
 */
export class IndexHolder {
  private snapshot: IndexSnapshot | undefined;
  private seenPointer = -1;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  /** A published version that failed to load: tried again with growing pauses, not at every look. */
  private failure: { pointer: number; attempts: number; nextAt: number } | undefined;

  constructor(
    private readonly store: VersionStore,
    private readonly options: VectorIndexOptions = {},
    private readonly events: HolderEvents = {},
  ) {}

  current(): IndexSnapshot | undefined {
    return this.snapshot;
  }

  /** Loads the published version if it changed since the last look. */
  refresh(): Promise<void> {
    this.loading ??= this.reload().finally(() => (this.loading = undefined));
    return this.loading;
  }

  watch(intervalMs = 2000): void {
    this.timer ??= setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async reload(): Promise<void> {
    let changedAt = -1;
    try {
      changedAt = await this.store.pointerChangedAt();
      if (changedAt === this.seenPointer) return;
      if (this.failure?.pointer === changedAt && Date.now() < this.failure.nextAt) return;
      const version = await this.store.current();
      if (!version || version === this.snapshot?.manifest.version) {
        this.seenPointer = changedAt;
        return;
      }
      const started = performance.now();
      const snapshot = await IndexSnapshot.load(this.store.versionDir(version), this.options);
      await this.events.beforeSwitch?.(snapshot.dir);
      this.snapshot = snapshot;
      this.seenPointer = changedAt;
      this.failure = undefined;
      this.events.onLoaded?.(version, snapshot.manifest.chunks, performance.now() - started);
    } catch (error) {
      // Keep serving the version we have; a broken new one is reported, not fatal. It is tried again
      // after 2 s, 4 s, 8 s … up to 5 minutes (a passing lack of memory heals; a broken version does not
      // fill the log), and at once when another version is published.
      const attempts = this.failure?.pointer === changedAt ? this.failure.attempts + 1 : 1;
      this.failure = { pointer: changedAt, attempts, nextAt: Date.now() + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempts - 1)) };
      this.events.onError?.(error as Error);
    }
  }
}
