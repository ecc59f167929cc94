/** Analytics on Node: the shared suite, and the embedded store across a restart (same DATA_DIR). */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileAnalytics } from '../../src/server/analytics-files.ts';
import { startBackend } from '../../src/server/node-server.ts';
import { ADMIN_TOKEN, analyticsSuite, batch, callOf, post } from './analytics-suite.ts';
import { testSettings, token } from './helpers.ts';

const settings = testSettings({ ADMIN_TOKEN });

analyticsSuite('Node', async () => {
  const backend = await startBackend({
    settings,
    callsApi: 'http://127.0.0.1:9/v1',
    port: 0,
    staticDir: false,
    tickIntervalMs: false,
  });
  return { base: backend.url, close: () => backend.close() };
});

void test('Node keeps analytics across a restart in DATA_DIR; a torn line is skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-analytics-'));
  try {
    const start = () =>
      startBackend({
        settings,
        callsApi: 'http://127.0.0.1:9/v1',
        port: 0,
        staticDir: false,
        tickIntervalMs: false,
        dataDir: dir,
      });
    const first = await start();
    const room = 'restart-room';
    assert.equal((await post(first.url, batch(room, 'p-ada'), await token(room, 'ada'))).status, 202);
    const before = await callOf(first.url, room);
    await first.close();
    const files = readdirSync(join(dir, 'analytics'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^raw-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const line = JSON.parse(readFileSync(join(dir, 'analytics', files[0]!), 'utf8').trim()) as Record<
      string,
      unknown
    >;
    assert.equal(line.origin, 'client');
    // A crash mid-append leaves half a line; a hand-edited file a line that is no message.
    appendFileSync(
      join(dir, 'analytics', files[0]!),
      '{"origin":"client","receivedAt":1,"sub":"x","batch":{"v":1\n[1,2]\n',
    );
    assert.equal(new FileAnalytics(dir).skipped, 2);

    const second = await start();
    try {
      const after = await callOf(second.url, room);
      assert.deepEqual(after.call, before.call);
      // The participant still belongs to its first reporter after the restart.
      assert.equal((await post(second.url, batch(room, 'p-ada'), await token(room, 'mallory'))).status, 403);
      assert.equal(
        (await post(second.url, batch(room, 'p-ada', { seq: 2 }), await token(room, 'ada'))).status,
        202,
      );
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
