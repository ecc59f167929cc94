/** The Worker bundle (esbuild) running in workerd through Miniflare, against the same fake Calls API. */
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { Harness } from './harness.ts';
import { HARNESS_ENV } from './harness.ts';
import { APP_ID, APP_SECRET, TOKEN_SECRET, startFakeCalls } from './helpers.ts';

let bundle: Promise<string> | undefined;

/** Bundles src/server/worker.ts as Wrangler would (ESM, workerd conditions). */
export function bundleWorker(): Promise<string> {
  bundle ??= build({
    entryPoints: [new URL('../../src/server/worker.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  }).then((r) => r.outputFiles[0]!.text);
  return bundle;
}

export async function startWorkerHarness(
  extraBindings: Record<string, string> = {},
  /** Durable Object storage directory, to restart workerd over the same storage. */
  persistDir?: string,
): Promise<Harness> {
  const fake = await startFakeCalls();
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(),
    compatibilityDate: '2025-09-01',
    durableObjects: { ROOMS: 'RoomObject', QUEUES: 'QueueObject' },
    // Miniflare's R2 (in memory): the recordings bucket of wrangler.toml.
    r2Buckets: ['RECORDINGS'],
    // `/cdn-cgi/handler/scheduled` fires the Cron Trigger's handler (the recordings' retention sweep).
    unsafeTriggerHandlers: true,
    ...(persistDir ? { durableObjectsPersist: persistDir } : {}),
    host: '127.0.0.1',
    port: 0,
    bindings: {
      CALLS_API: fake.url,
      CALLS_APP_ID: APP_ID,
      CALLS_APP_SECRET: APP_SECRET,
      TOKEN_SECRET,
      OPEN_TOKENS: 'true',
      ALLOWED_ORIGINS: '*',
      TEST_HOOKS: 'true',
      ...HARNESS_ENV,
      ...extraBindings,
    },
  });
  const url = (await mf.ready).origin;
  return {
    base: url,
    wsBase: url.replace(/^http/, 'ws'),
    calls: fake.calls,
    advance: async (room, ms) => {
      const res = await fetch(`${url}/__test/advance/${room}`, {
        method: 'POST',
        body: JSON.stringify({ ms }),
      });
      if (!res.ok) throw new Error(`advance failed: ${res.status}`);
    },
    close: async () => {
      await mf.dispose();
      await fake.close();
    },
  };
}
