/** Starts the embedded SFU's HTTP API on Node, in-process (tests, `npm start`) or alone (`npm run sfu`). */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { announcedAddresses, parseAnnouncedIps } from './addresses.ts';
import { DEFAULT_LIMITS, type SfuConfig, type SfuLimits } from './config.ts';
import { createSfuApp } from './http.ts';
import { Sfu, type SfuStats } from './sfu.ts';

export interface SfuOptions {
  /** HTTP port; 0 picks a free one. Default 0. */
  port?: number;
  /**
   * Address the HTTP API binds. Default 127.0.0.1. A unicast address other than loopback is also the one
   * address the media announces (unless `announcedIp` is set); otherwise the media announces every interface
   * address of the machine, 127.0.0.1 last.
   */
  host?: string;
  appId?: string;
  appSecret?: string;
  /** More apps served beside `appId`, as appId → secret (sessions of one app are invisible to another). */
  apps?: Record<string, string>;
  /**
   * Addresses put in ICE candidates instead of the detected ones (NAT, containers, LAN demos): a list, or
   * `SFU_ANNOUNCED_IP`'s comma-separated string.
   */
  announcedIp?: string | readonly string[];
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
  /** What a session created now announces, in candidate order (interfaces are looked up per session). */
  announcedAddresses(): string[];
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
    announcedIps:
      options.announcedIp === undefined
        ? undefined
        : parseAnnouncedIps(
            typeof options.announcedIp === 'string' ? options.announcedIp : options.announcedIp.join(','),
          ),
    rtpPortRange: options.rtpPortRange,
    maxPublisherBitrate: options.maxPublisherBitrate ?? 10_000_000,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  const sfu = new Sfu(config);
  const app = createSfuApp(sfu);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  // Bound to every interface: the API is still reached on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    appId,
    appSecret,
    announcedAddresses: () => announcedAddresses(config.announcedIps, host),
    stats: () => sfu.stats(),
    async close() {
      await sfu.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
