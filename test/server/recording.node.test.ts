/** The recording suite against the Node backend with its default store, a local directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../src/server/node-server.ts';
import { parseRecordingSettings } from '../../src/server/recording-settings.ts';
import { FakeClock, startFakeCalls, testSettings } from './helpers.ts';
import { recordingSuite } from './recording-suite.ts';

recordingSuite('Node, local directory', async () => {
  const fake = await startFakeCalls();
  const clock = new FakeClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'calls-room-data-'));
  const backend = await startBackend({
    settings: testSettings(),
    callsApi: fake.url,
    port: 0,
    staticDir: false,
    now: clock.now,
    tickIntervalMs: false,
    dataDir,
    recordings: parseRecordingSettings({}, dataDir),
  });
  return {
    base: backend.url,
    wsBase: backend.url.replace(/^http/, 'ws'),
    advance: async (_room, ms) => {
      clock.advance(ms);
      backend.tick();
      await backend.recordings?.tick();
    },
    close: async () => {
      await backend.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
