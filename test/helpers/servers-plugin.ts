/**
 * web-test-runner plugin: starts the real embedded SFU (and the real backend on top of it) in the test
 * runner's Node process for the whole browser-test run, and tells the pages where they are through
 * `GET /__calls/env` (see `env.ts`).
 */
import type { TestRunnerPlugin } from '@web/test-runner';
import { startSfu, type RunningSfu } from '../../src/sfu/server.ts';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { parseSettings } from '../../src/server/settings.ts';

export interface CallsTestEnv {
  /** Calls API base of the embedded SFU, e.g. `http://127.0.0.1:1234/v1`. */
  sfuUrl: string;
  appId: string;
  /** Tests of the SFU itself call it directly, as Cloudflare's echo samples do. */
  appSecret: string;
  /** The backend (token endpoint open, proxy, presence) on top of that SFU, e.g. `http://127.0.0.1:5678`. */
  backendUrl: string;
}

export function callsServersPlugin(): TestRunnerPlugin {
  let sfu: RunningSfu | undefined;
  let backend: RunningBackend | undefined;
  return {
    name: 'calls-servers',
    async serverStart() {
      sfu = await startSfu({ port: 0, appId: 'test-app', appSecret: `test-secret-${process.pid}` });
      const settings = parseSettings(
        {
          CALLS_API: sfu.url,
          CALLS_APP_ID: sfu.appId,
          CALLS_APP_SECRET: sfu.appSecret,
          TOKEN_SECRET: `test-token-secret-${process.pid}-0123456789abcdef`,
          OPEN_TOKENS: 'true',
          ALLOWED_ORIGINS: '*',
        },
        'node',
      );
      backend = await startBackend({ settings, callsApi: sfu.url, port: 0, staticDir: false });
    },
    async serverStop() {
      await backend?.close();
      await sfu?.close();
    },
    serve(context) {
      if (context.path !== '/__calls/env' || !sfu || !backend) return undefined;
      const env: CallsTestEnv = {
        sfuUrl: sfu.url,
        appId: sfu.appId,
        appSecret: sfu.appSecret,
        backendUrl: backend.url,
      };
      return { body: JSON.stringify(env), type: 'application/json' };
    },
  };
}
