/** The same presence and proxy suites against the Worker + Durable Object in workerd (Miniflare). */
import { presenceSuite } from './presence-suite.ts';
import { proxySuite } from './proxy-suite.ts';
import { startWorkerHarness } from './worker-harness.ts';

presenceSuite('worker', () => startWorkerHarness());
proxySuite('worker', () => startWorkerHarness());
