/** Starts the embedded SFU's HTTP API on Node, in-process (tests, `npm start`) or alone (`npm run sfu`). */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { NODE_SERVER_TIMEOUTS } from '../protocol/request-body.ts';
import { DEFAULT_LIMITS, type SfuConfig, type SfuLimits } from './config.ts';
import { createSfuApp } from './http.ts';
import { Sfu, type SfuStats } from './sfu.ts';

export interface SfuOptions {
  /** HTTP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Address the HTTP API and the media both bind and announce. Default 127.0.0.1. */
  host?: string;
  appId?: string;
  appSecret?: string;
  /** More apps served beside `appId`, as appId → secret (sessions of one app are invisible to another). */
  apps?: Record<string, string>;
  /** Address put in ICE candidates instead of `host` (NAT, containers). */
  announcedIp?: string;
  rtpPortRange?: [number, number];
  /** REMB cap signalled to publishers, bits/s. Default 10 Mbps. */
  maxPublisherBitrate?: number;
  limits?: Partial<SfuLimits>;
}

export interface RunningSfu {
  /** Calls API base, like `https://rtc.live.cloudflare.com/v1`: the app's paths are `{url}/apps/{appId}/…`. */
  url: string;
  port: number;
  appId: string;
  appSecret: string;
  stats(): SfuStats;
  close(): Promise<void>;
}

/**
 * werift runs timers and socket handlers of its own whose failures surface as unhandled rejections, which
 * would end the whole process (the backend with it). Those are logged and survived; any other unhandled
 * rejection still ends the process as Node would.
 */
let guarded = false;
function surviveEngineErrors(): void {
  if (guarded) return;
  guarded = true;
  process.on('unhandledRejection', (reason) => {
    const stack = reason instanceof Error ? (reason.stack ?? '') : '';
    if (stack.includes('/werift/')) {
      console.error('sfu: media engine error (session continues):', reason);
      return;
    }
    throw reason;
  });
}

export async function startSfu(options: SfuOptions = {}): Promise<RunningSfu> {
  surviveEngineErrors();
  const host = options.host ?? '127.0.0.1';
  const appId = options.appId ?? 'calls-room-local';
  const appSecret = options.appSecret ?? randomBytes(24).toString('hex');
  const config: SfuConfig = {
    apps: new Map([...Object.entries(options.apps ?? {}), [appId, appSecret]]),
    host,
    announcedIp: options.announcedIp,
    rtpPortRange: options.rtpPortRange,
    maxPublisherBitrate: options.maxPublisherBitrate ?? 10_000_000,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  const sfu = new Sfu(config);
  const app = createSfuApp(sfu);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 0,
        hostname: host,
        serverOptions: { ...NODE_SERVER_TIMEOUTS },
      },
      () => resolve(s),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    appId,
    appSecret,
    stats: () => sfu.stats(),
    async close() {
      await sfu.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
