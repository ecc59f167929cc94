/** Calls proxy authorization rules against the Node backend (fake Calls API that records what reaches it). */
import { startNodeHarness } from './harness.ts';
import { proxySuite } from './proxy-suite.ts';

proxySuite('node', startNodeHarness);
