/**
 * Analytics on the Worker in workerd (Miniflare) with a real Queue, D1 database and R2 bucket, bound as
 * wrangler.toml binds them: the shared suite, and the raw batches kept in R2 as NDJSON.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/wait.ts';
import { analyticsSuite, batch, callOf, post } from './analytics-suite.ts';
import { startAnalyticsWorker } from './analytics-worker-harness.ts';
import { token } from './helpers.ts';
import { buildWidget } from './widget-build.ts';

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

void test('uPlot is in the dashboard’s files, never in calls-room.js', async () => {
  const dir = await buildWidget();
  const widget = await readFile(join(dir, 'calls-room.js'), 'utf8');
  const uplot = await readFile(join(dir, 'dashboard', 'uplot.js'), 'utf8');
  assert.match(uplot, /uPlot/);
  assert.doesNotMatch(widget, /uPlot|uplot/);
});
