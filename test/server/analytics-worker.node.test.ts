/**
 * Analytics on the Worker in workerd (Miniflare) with a real Queue, D1 database and R2 bucket, bound as
 * wrangler.toml binds them: the shared suite, and the raw batches kept in R2 as NDJSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Miniflare } from 'miniflare';
import { waitFor } from '../helpers/wait.ts';
import { ADMIN_TOKEN, analyticsSuite, batch, callOf, post } from './analytics-suite.ts';
import { APP_ID, APP_SECRET, TOKEN_SECRET, startFakeCalls, token } from './helpers.ts';
import { buildWidget } from './widget-build.ts';
import { bundleWorker } from './worker-harness.ts';

/** The Worker with the analytics bindings of wrangler.toml (names and queue as there). */
export async function startAnalyticsWorker(bindings: Record<string, string> = {}, assetsDir?: string) {
  const fake = bindings.CALLS_API ? undefined : await startFakeCalls();
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(),
    compatibilityDate: '2025-09-01',
    durableObjects: { ROOMS: 'RoomObject' },
    queueProducers: { ANALYTICS: { queueName: 'calls-room-analytics' } },
    queueConsumers: { 'calls-room-analytics': { maxBatchSize: 50, maxBatchTimeout: 1, maxRetries: 5 } },
    d1Databases: ['ANALYTICS_DB'],
    r2Buckets: ['ANALYTICS_RAW'],
    ...(assetsDir
      ? {
          assets: {
            directory: assetsDir,
            routerConfig: {
              has_user_worker: true,
              invoke_user_worker_ahead_of_assets: false,
              static_routing: { user_worker: ['/api/*'] },
            },
          },
        }
      : {}),
    host: '127.0.0.1',
    port: 0,
    bindings: {
      CALLS_API: fake?.url ?? '',
      CALLS_APP_ID: APP_ID,
      CALLS_APP_SECRET: APP_SECRET,
      TOKEN_SECRET,
      OPEN_TOKENS: 'true',
      ALLOWED_ORIGINS: '*',
      ADMIN_TOKEN,
      ...bindings,
    },
  });
  const base = (await mf.ready).origin;
  return {
    base,
    mf,
    close: async () => {
      await mf.dispose();
      await fake?.close();
    },
  };
}

// With the widget build as static assets (as wrangler.toml's [assets]): uPlot's files come from there.
analyticsSuite('Worker', async () => startAnalyticsWorker({}, await buildWidget()));

void test('the Worker keeps raw batches in R2 as NDJSON', { timeout: 60_000 }, async () => {
  const w = await startAnalyticsWorker();
  try {
    const room = 'raw-room';
    assert.equal((await post(w.base, batch(room, 'p-ada'), await token(room, 'ada'))).status, 202);
    await callOf(w.base, room);
    // Miniflare types its R2 binding with the Workers types, which this project does not install.
    const bucket = (await w.mf.getR2Bucket('ANALYTICS_RAW')) as unknown as {
      list(o: { prefix: string }): Promise<{ objects: { key: string }[] }>;
      get(key: string): Promise<{ text(): Promise<string> } | null>;
    };
    const listed = await waitFor(async () => {
      const l = await bucket.list({ prefix: 'raw/' });
      return l.objects.length > 0 ? l : undefined;
    }, 'a raw object in R2');
    assert.match(listed.objects[0]!.key, /^raw\/\d{4}-\d{2}-\d{2}\/\d+-[0-9a-f-]+\.ndjson$/);
    const text = await (await bucket.get(listed.objects[0]!.key))!.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { origin: string; sub: string; batch: { room: string } });
    assert.equal(lines[0]!.origin, 'client');
    assert.equal(lines[0]!.sub, 'ada');
    assert.equal(lines[0]!.batch.room, room);
    assert.ok(!text.includes('beaconToken'));
  } finally {
    await w.close();
  }
});
