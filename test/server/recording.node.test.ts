/** The recording suite against the Node backend with its default store, a local directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../src/server/node-server.ts';
import { parseRecordingSettings } from '../../src/server/recording-settings.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../helpers/wait.ts';
import { FakeClock, startFakeCalls, testSettings, token } from './helpers.ts';
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
    sweep: async (ms) => {
      await backend.recordings?.sweep(clock.now() + ms);
    },
    close: async () => {
      await backend.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

void describe('recording across a Node restart', () => {
  void it('a recording left running when the backend restarts is finalized as partial by the new process', async () => {
    const fake = await startFakeCalls();
    const clock = new FakeClock();
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-room-data-'));
    const start = () =>
      startBackend({
        settings: testSettings(),
        callsApi: fake.url,
        port: 0,
        staticDir: false,
        now: clock.now,
        tickIntervalMs: false,
        dataDir,
        recordings: parseRecordingSettings({}, dataDir),
      });
    const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
    const host = await token(room, 'host-1', 'host');
    const headers = { authorization: `Bearer ${host}` };
    try {
      const first = await start();
      const started = await fetch(`${first.url}/api/recordings?room=${room}`, { method: 'POST', headers });
      const { id } = (await started.json()) as { id: string };
      const put = await fetch(`${first.url}/api/recordings/${id}/chunks/0?room=${room}&ms=1000`, {
        method: 'PUT',
        headers,
        body: new Uint8Array([1, 2, 3]),
      });
      assert.equal(put.status, 200);
      await first.close();

      const second = await start();
      try {
        // The new process picks the recording up as it starts (asynchronously); each round is past its timeout.
        await waitFor(async () => {
          clock.advance(31_000);
          await second.recordings?.tick();
          const res = await fetch(`${second.url}/api/recordings?room=${room}`, { headers });
          const status = ((await res.json()) as { recordings: { status: string }[] }).recordings[0]?.status;
          return status === 'partial';
        }, 'the restarted backend to finalize the recording');
        // The new process shows nobody a recording any more.
        assert.equal(second.rooms.peek(room)?.room.participants().length ?? 0, 0);
      } finally {
        await second.close();
      }
    } finally {
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
