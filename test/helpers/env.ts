/** Browser side of `servers-plugin.ts`: where the test run's SFU and backend are. */
import { executeServerCommand } from '@web/test-runner-commands';
import type { CallsTestEnv, RESTART_BACKEND, RESTART_SFU, SfuRestart } from './servers-plugin.ts';

let cached: Promise<CallsTestEnv> | undefined;

export function testEnv(): Promise<CallsTestEnv> {
  cached ??= fetch('/__calls/env').then((r) => r.json() as Promise<CallsTestEnv>);
  return cached;
}

/** The run's SFU API for one app, as the raw protocol helpers call it: base URL and bearer secret. */
export async function sfuEndpoint(): Promise<{ base: string; secret: string }> {
  const env = await testEnv();
  return { base: `${env.sfuUrl}/apps/${env.appId}`, secret: env.appSecret };
}

/**
 * Restarts the run's SFU on the same port, as an operator restarting it would: every session is gone,
 * `testEnv()` stays valid. Later test files get the new SFU.
 */
export function restartSfu(): Promise<SfuRestart> {
  const command: typeof RESTART_SFU = 'calls-restart-sfu';
  return executeServerCommand<SfuRestart, undefined>(command);
}

/**
 * Restarts the run's backend on the same port with the same settings and data directory, as an operator
 * restarting `npm start` against a separate SFU would: presence sockets drop, the SFU's sessions stay.
 */
export async function restartBackend(): Promise<void> {
  const command: typeof RESTART_BACKEND = 'calls-restart-backend';
  await executeServerCommand<{ restarted: true }, undefined>(command);
}
