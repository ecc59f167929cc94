/** Host control (lobby, lock, mute-all, end, hands, profiles) on the Node backend and in the Durable Object. */
import { startNodeHarness } from './harness.ts';
import { hostControlSuite } from './host-control-suite.ts';
import { startWorkerHarness } from './worker-harness.ts';

hostControlSuite('node', startNodeHarness);
hostControlSuite('worker', () => startWorkerHarness());
