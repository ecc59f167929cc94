/** The Worker in workerd (Miniflare) with the analytics bindings of wrangler.toml: a Queue, D1 and R2. */
import { Miniflare } from 'miniflare';
import { ADMIN_TOKEN } from './analytics-suite.ts';
import { APP_ID, APP_SECRET, TOKEN_SECRET, startFakeCalls } from './helpers.ts';
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
