/** What the shared presence and proxy suites need from a running backend (Node or the Worker in Miniflare). */
import { startBackend } from '../../src/server/node-server.ts';
import { DEV_HOST_KEY, FakeClock, startFakeCalls, testSettings, type RecordedCall } from './helpers.ts';

export interface Harness {
  /** `http://host:port` of the backend. */
  base: string;
  /** `ws://host:port` of the backend. */
  wsBase: string;
  /** Calls the fake Calls API received. */
  calls: RecordedCall[];
  /** Moves presence time forward and runs stale removal in `room`. */
  advance(room: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Settings every harness uses (also handed to the Worker as bindings). */
export const HARNESS_ENV = {
  DEV_HOST_KEY,
  ROOM_SIZE_LIMIT: '40',
  RESUME_GRACE_MS: '10000',
  RATE_LIMIT_PER_SECOND: '2',
  RATE_LIMIT_BURST: '30',
  MAX_BODY_BYTES: '65536',
};

export async function startNodeHarness(): Promise<Harness> {
  const fake = await startFakeCalls();
  const clock = new FakeClock();
  const backend = await startBackend({
    settings: testSettings(HARNESS_ENV),
    callsApi: fake.url,
    port: 0,
    staticDir: false,
    now: clock.now,
    tickIntervalMs: false,
  });
  return {
    base: backend.url,
    wsBase: backend.url.replace(/^http/, 'ws'),
    calls: fake.calls,
    advance: (_room, ms) => {
      clock.advance(ms);
      backend.tick();
      return Promise.resolve();
    },
    close: async () => {
      await backend.close();
      await fake.close();
    },
  };
}
