import { IndexSnapshot } from "./snapshot.js";
import type { VectorIndexOptions } from "./vector.js";
import type { VersionStore } from "./versions.js";

export interface HolderEvents {
  /** Called with a new version's folder before requests are switched to it. */
  beforeSwitch?: (dir: string) => Promise<void> | undefined;
  onLoaded?: (version: string, chunks: number, ms: number) => void;
  onError?: (error: Error) => void;
}

/**
 * Holds the published index and swaps in a newly published version without a restart:
 * requests in flight keep the snapshot they started with.
 */
export class IndexHolder {
  private snapshot: IndexSnapshot | undefined;
  private seenPointer = -1;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

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
    try {
      const changedAt = await this.store.pointerChangedAt();
      if (changedAt === this.seenPointer) return;
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
      this.events.onLoaded?.(version, snapshot.manifest.chunks, performance.now() - started);
    } catch (error) {
      // Keep serving the version we have; a broken new one is reported, not fatal.
      this.events.onError?.(error as Error);
    }
  }
}
