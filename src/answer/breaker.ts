/**
 * A circuit breaker for the model endpoint: after `failures` failures within `windowMs` it opens
 * for `openMs`, and questions are answered offline without waiting for a dead endpoint.
 */
export class CircuitBreaker {
  private recent: number[] = [];
  private openUntil = 0;

  constructor(
    private readonly failures: number,
    private readonly openMs: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get open(): boolean {
    return this.now() < this.openUntil;
  }

  /** Seconds until the endpoint is tried again, 0 when closed. */
  get retryInSeconds(): number {
    return Math.max(0, Math.ceil((this.openUntil - this.now()) / 1000));
  }

  success(): void {
    this.recent = [];
  }

  failure(): void {
    const t = this.now();
    this.recent = [...this.recent.filter((x) => t - x < this.windowMs), t];
    if (this.recent.length >= this.failures) {
      this.openUntil = t + this.openMs;
      this.recent = [];
    }
  }
}
