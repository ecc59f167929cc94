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
    close: () => harness.close(),
  };
});
