/**
 * The one poll of the test suites, for Node and the browser alike (it needs only timers): checks a condition
 * until it holds, never a fixed sleep, and fails naming what it waited for and, if asked, what it last saw.
 */

export interface WaitOptions {
  /** Default 20 s. */
  timeoutMs?: number;
  /** What was last observed, for the timeout error. */
  lastSeen?: () => unknown;
}

type Falsy = undefined | false | null | 0 | '';

/** Resolves with the first truthy value of `check`; polls quickly at first, then every 100 ms. */
export async function waitFor<T>(
  check: () => T | Falsy | Promise<T | Falsy>,
  what: string,
  options: number | WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 20_000, lastSeen } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = performance.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) {
      const last = lastSeen ? ` (last: ${JSON.stringify(lastSeen())})` : '';
      throw new Error(`timed out waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 100);
  }
}

/** `waitFor` for a yes/no condition. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs?: number,
): Promise<void> {
  await waitFor(check, what, timeoutMs === undefined ? {} : { timeoutMs });
}
