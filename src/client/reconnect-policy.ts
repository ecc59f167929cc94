/** When to try again after a lost Calls session (LiveKit's `ReconnectPolicy`): pluggable, a pure function of the attempt. */

export interface ReconnectContext {
  /** Failed attempts so far (0 before the first retry). */
  readonly retryCount: number;
  /** Milliseconds since the session was lost. */
  readonly elapsedMs: number;
  readonly error: unknown;
}

export interface ReconnectPolicy {
  /** Milliseconds to wait before the next attempt, or null to give up. */
  nextRetryDelayMs(context: ReconnectContext): number | null;
}

/** Full-jitter exponential backoff: 250 ms doubling up to 5 s, six attempts in all. */
export class ExponentialBackoff implements ReconnectPolicy {
  constructor(
    private readonly maxRetries = 5,
    private readonly initialMs = 250,
    private readonly maxMs = 5000,
    private readonly random: () => number = Math.random,
  ) {}

  nextRetryDelayMs({ retryCount }: ReconnectContext): number | null {
    if (retryCount >= this.maxRetries) return null;
    return this.random() * Math.min(this.initialMs * 2 ** retryCount, this.maxMs);
  }
}
