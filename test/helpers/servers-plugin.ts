/**
 * web-test-runner plugin: starts the real embedded SFU (and the real backend on top of it) in the test
 * runner's Node process for the whole browser-test run, and tells the pages where they are through
 * `GET /__calls/env` (see `env.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRunnerPlugin } from '@web/test-runner';
import type { Middleware } from 'koa';
import { routePartyTracksRequest } from 'partytracks/server';
import { startSfu, type RunningSfu } from '../../src/sfu/server.ts';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { parseRecordingSettings } from '../../src/server/recording-settings.ts';
import { parseSettings, type Settings } from '../../src/server/settings.ts';

export interface CallsTestEnv {
  /** Calls API base of the embedded SFU, e.g. `http://127.0.0.1:1234/v1`. */
  sfuUrl: string;
  appId: string;
  /** Tests of the SFU itself call it directly, as Cloudflare's echo samples do. */
  appSecret: string;
  /** The backend (token endpoint open, proxy, presence) on top of that SFU, e.g. `http://127.0.0.1:5678`. */
  backendUrl: string;
  /** `DEV_HOST_KEY`: sent as `Authorization: Bearer` to `POST /api/token`, it mints host tokens. */
  devHostKey: string;
  /**
   * A backend on a second SFU whose media announces only `UNREACHABLE_MEDIA_IP`: a misconfigured
   * `SFU_ANNOUNCED_IP`, or an address a firewall blocks. Joining through it must end in `media-unreachable`.
   */
  unreachableBackendUrl: string;
  /** The one address that SFU announces. */
  unreachableMediaIp: string;
}

/**
 * On the namespace's veth subnet (scripts/in-netns.sh) but nobody's: checks to it die unanswered at ARP
 * inside the namespace. 198.18.0.0/15 is the benchmarking range, routed nowhere outside it either.
 */
export const UNREACHABLE_MEDIA_IP = '198.18.0.99';

/** The server command that restarts the SFU (see `restartSfu` in `env.ts`). */
export const RESTART_SFU = 'calls-restart-sfu';

/**
 * The server command that restarts the backend (see `restartBackend` in `env.ts`): same port, settings and
 * data directory; the SFU and its sessions stay.
 */
export const RESTART_BACKEND = 'calls-restart-backend';

/** What `calls-restart-sfu` answers: the sessions the old SFU held, all gone with it. */
export interface SfuRestart {
  droppedSessions: number;
}

// The run's SFU, for `partyTracksMiddleware` (the plugin and the middleware share this process).
let sfu: RunningSfu | undefined;

/**
 * `/partytracks/*` on the test pages' own origin, as Orange Meets mounts it: Cloudflare's own proxy
 * (`routePartyTracksRequest` from partytracks/server) forwarding to the run's SFU with the app secret.
 */
export function partyTracksMiddleware(): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/partytracks/') || !sfu) {
      await next();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [name, value] of Object.entries(ctx.req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers.set(name, value);
    }
    // The proxy reads url, method, headers and body, and hands the body to fetch as it is: Node's fetch takes
    // a stream only with `duplex: 'half'` (Workers' does without), so the body goes in as bytes.
    const request = {
      url: new URL(ctx.url, `http://${ctx.host}`).href,
      method: ctx.method,
      headers,
      body: body.length ? body : null,
    } as unknown as Request;
    const response = await routePartyTracksRequest({
      appId: sfu.appId,
      token: sfu.appSecret,
      realtimeApiBaseUrl: sfu.url,
      request,
    });
    ctx.status = response.status;
    response.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) {
        ctx.set(name, value);
      }
    });
    ctx.body = Buffer.from(await response.arrayBuffer());
  };
}

export function callsServersPlugin(): TestRunnerPlugin {
  let backend: RunningBackend | undefined;
  let unreachable: { sfu: RunningSfu; backend: RunningBackend } | undefined;
  // Fixed at start: a restarted SFU keeps the port, the app and its secret.
  let env: CallsTestEnv | undefined;
  let settings: Settings | undefined;
  let dataDir: string | undefined;
  let unreachableDir: string | undefined;
  const devHostKey = `test-dev-host-key-${process.pid}-0123456789`;
  return {
    name: 'calls-servers',
    async serverStart() {
      sfu = await startSfu({ port: 0, appId: 'test-app', appSecret: `test-secret-${process.pid}` });
      dataDir = mkdtempSync(join(tmpdir(), 'calls-room-data-'));
      ({ backend, settings } = await backendOn(sfu, { devHostKey, dataDir }));
      const badSfu = await startSfu({
        port: 0,
        appId: 'test-app',
        appSecret: `test-secret-${process.pid}`,
        announcedIp: UNREACHABLE_MEDIA_IP,
      });
      unreachableDir = mkdtempSync(join(tmpdir(), 'calls-room-data-'));
      unreachable = { sfu: badSfu, ...(await backendOn(badSfu, { devHostKey, dataDir: unreachableDir })) };
      env = {
        sfuUrl: sfu.url,
        appId: sfu.appId,
        appSecret: sfu.appSecret,
        backendUrl: backend.url,
        devHostKey,
        unreachableBackendUrl: unreachable.backend.url,
        unreachableMediaIp: UNREACHABLE_MEDIA_IP,
      };
    },
    /**
     * `calls-restart-sfu`: stops the SFU as `npm run sfu` does on SIGTERM (every session and its media gone)
     * and starts a new one on the same port with the same app, so `testEnv()` and the backend's Calls URL
     * stay valid while every session the browsers hold is unknown to it.
     */
    async executeCommand({ command }) {
      if (command === RESTART_BACKEND) {
        const old = backend;
        if (!old || !settings || !dataDir) throw new Error('the backend is not running');
        backend = undefined;
        // As an operator's restart: every presence socket and request in flight is cut, nothing in memory
        // survives; the new process finds the same port, settings and data directory.
        await old.close();
        backend = await startBackend({
          settings,
          callsApi: settings.callsApi ?? '',
          port: old.port,
          staticDir: false,
          dataDir,
        });
        return { restarted: true };
      }
      if (command !== RESTART_SFU) return undefined;
      const old = sfu;
      if (!old) throw new Error('the SFU is not running');
      sfu = undefined;
      const result: SfuRestart = { droppedSessions: old.stats().sessions };
      await old.close();
      sfu = await startSfu({ port: old.port, appId: old.appId, appSecret: old.appSecret });
      return result;
    },
    async serverStop() {
      await backend?.close();
      await sfu?.close();
      await unreachable?.backend.close();
      await unreachable?.sfu.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (unreachableDir) rmSync(unreachableDir, { recursive: true, force: true });
    },
    serve(context) {
      if (context.path !== '/__calls/env' || !env) return undefined;
      return { body: JSON.stringify(env), type: 'application/json' };
    },
  };
}

/** The test backend (token endpoint open, host tokens with the dev host key, any origin) in front of `sfu`. */
async function backendOn(
  sfu: RunningSfu,
  options: { devHostKey: string; dataDir: string },
): Promise<{ backend: RunningBackend; settings: Settings }> {
  const settings = parseSettings(
    {
      CALLS_API: sfu.url,
      CALLS_APP_ID: sfu.appId,
      CALLS_APP_SECRET: sfu.appSecret,
      TOKEN_SECRET: `test-token-secret-${process.pid}-0123456789abcdef`,
      // The embedded SFU on this machine: the open token endpoint may be on (see settings.ts).
      OPEN_TOKENS: 'true',
      DEV_HOST_KEY: options.devHostKey,
      ALLOWED_ORIGINS: '*',
    },
    'node',
  );
  const backend = await startBackend({
    settings,
    callsApi: sfu.url,
    port: 0,
    staticDir: false,
    dataDir: options.dataDir,
    // A recording whose host page closed is finalized 5 s after its last chunk, not 30 s.
    recordings: parseRecordingSettings({ RECORDING_TIMEOUT_SECONDS: '5' }, options.dataDir),
  });
  return { backend, settings };
}
