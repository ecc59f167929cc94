/** Presence over real WebSockets against the Node backend (fake clock for staleness). */
import { startNodeHarness } from './harness.ts';
import { presenceSuite } from './presence-suite.ts';

presenceSuite('node', startNodeHarness);
