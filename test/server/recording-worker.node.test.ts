/**
 * The recording suite through the Worker in workerd (Miniflare), with Miniflare's R2 as the `RECORDINGS`
 * bucket: the upload, finalize (multipart), list and ranged download path with real MediaRecorder chunks.
 */
import { recordingSuite } from './recording-suite.ts';
import { startWorkerHarness } from './worker-harness.ts';

recordingSuite('Worker in workerd, R2', async () => {
  const harness = await startWorkerHarness();
  return {
    base: harness.base,
    wsBase: harness.wsBase,
    advance: (room, ms) => harness.advance(room, ms),
    sweep: async (ms) => {
      // The Cron Trigger, as Miniflare fires it, at a scheduled time `ms` from now.
      const res = await fetch(`${harness.base}/cdn-cgi/handler/scheduled?time=${Date.now() + ms}`);
      if (!res.ok) throw new Error(`scheduled: ${res.status} ${await res.text()}`);
    },
    close: () => harness.close(),
  };
});
