/**
 * The recording suite against the Node backend with its S3 store (`aws4fetch`, SigV4, multipart upload), on a
 * local S3-compatible server: s3rver, run in this process on a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no types: the little used here is typed below.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import S3rverModule from 's3rver';
import { startBackend } from '../../src/server/node-server.ts';
import { parseRecordingSettings } from '../../src/server/recording-settings.ts';
import { FakeClock, startFakeCalls, testSettings } from './helpers.ts';
import { recordingSuite } from './recording-suite.ts';

interface S3rver {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rverClass = S3rverModule as unknown as new (options: Record<string, unknown>) => S3rver;

recordingSuite('Node, S3 API (s3rver)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-room-s3-'));
  const s3 = new S3rverClass({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'recordings' }],
  });
  const { port } = await s3.run();
  const fake = await startFakeCalls();
  const clock = new FakeClock();
  const backend = await startBackend({
    settings: testSettings(),
    callsApi: fake.url,
    port: 0,
    staticDir: false,
    now: clock.now,
    tickIntervalMs: false,
    recordings: parseRecordingSettings(
      {
        RECORDINGS_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        RECORDINGS_S3_BUCKET: 'recordings',
        // s3rver's fixed credentials; requests are still signed (SigV4) and checked by it.
        RECORDINGS_S3_ACCESS_KEY_ID: 'S3RVER',
        RECORDINGS_S3_SECRET_ACCESS_KEY: 'S3RVER',
        RECORDINGS_S3_REGION: 'us-east-1',
      },
      undefined,
    ),
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
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
