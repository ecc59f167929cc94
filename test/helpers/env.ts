/** Browser side of `servers-plugin.ts`: where the test run's SFU and backend are. */
import type { CallsTestEnv } from './servers-plugin.ts';

let cached: Promise<CallsTestEnv> | undefined;

export function testEnv(): Promise<CallsTestEnv> {
  cached ??= fetch('/__calls/env').then((r) => r.json() as Promise<CallsTestEnv>);
  return cached;
}
