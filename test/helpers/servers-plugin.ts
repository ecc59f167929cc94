/**
 * web-test-runner plugin: starts the real embedded SFU (and the real backend on top of it) in the test
 * runner's Node process for the whole browser-test run, and tells the pages where they are through
 * `GET /__calls/env` (see `env.ts`).
 */
import type { TestRunnerPlugin } from '@web/test-runner';
import { startSfu, type RunningSfu } from '../../src/sfu/server.ts';

export interface CallsTestEnv {
  /** Calls API base of the embedded SFU, e.g. `http://127.0.0.1:1234/v1`. */
  sfuUrl: string;
  appId: string;
  /** Tests of the SFU itself call it directly, as Cloudflare's echo samples do. */
  appSecret: string;
}

export function callsServersPlugin(): TestRunnerPlugin {
  let sfu: RunningSfu | undefined;
  return {
    name: 'calls-servers',
    async serverStart() {
      sfu = await startSfu({ port: 0, appId: 'test-app', appSecret: `test-secret-${process.pid}` });
    },
    async serverStop() {
      await sfu?.close();
    },
    serve(context) {
      if (context.path !== '/__calls/env' || !sfu) return undefined;
      const env: CallsTestEnv = { sfuUrl: sfu.url, appId: sfu.appId, appSecret: sfu.appSecret };
      return { body: JSON.stringify(env), type: 'application/json' };
    },
  };
}
