/**
 * What every request to one session passes: Cloudflare's rate limit (requests per second per session) and
 * one lock, so overlapping mutations run one at a time, in order.
 */
import { CallsError } from './errors.ts';

export class RequestGate {
  private lock: Promise<unknown> = Promise.resolve();
  private readonly times: number[] = [];

  constructor(private readonly perSecond: () => number) {}

  admit(now = Date.now()): void {
    while (this.times.length && now - this.times[0]! >= 1000) this.times.shift();
    const limit = this.perSecond();
    if (this.times.length >= limit) {
      throw new CallsError(
        429,
        'retryable_transient_error',
        `Too many requests for this session (at most ${limit} per second): retry with backoff`,
      );
    }
    this.times.push(now);
  }

  /** Runs one mutation at a time. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
