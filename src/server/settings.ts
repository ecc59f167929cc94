/**
 * Backend settings, read from environment variables (process.env on Node, the Worker's `env`). A missing or
 * invalid setting stops the start with an error that names it.
 */
import { z } from 'zod';

export interface Settings {
  /** Calls API base, e.g. `https://rtc.live.cloudflare.com/v1`; undefined on Node = start the embedded SFU. */
  callsApi: string | undefined;
  appId: string;
  appSecret: string;
  tokenSecret: string;
  /** Origins allowed by CORS and on the presence socket; `['*']` allows any. Empty: same origin only. */
  allowedOrigins: string[];
  /** `POST /api/token` mints guest and viewer tokens for anyone: dev and demos only (see `parseSettings`). */
  openTokens: boolean;
  /** The local demo's defaults applied (open tokens, any origin): `npm start` with the embedded SFU. */
  demo: boolean;
  /** `NODE_ENV=production`: no open tokens, no dev host key. */
  production: boolean;
  /** With open tokens: a request to `POST /api/token` that sends `Authorization: Bearer <key>` may get `host`. */
  devHostKey: string | undefined;
  /** Participants one user (token `sub`) may hold in a room at once. */
  seatsPerUser: number;
  /** Node: where session ownership and removals are kept across restarts. Undefined in the Worker. */
  dataDir: string | undefined;
  /** Lifetime of tokens from `POST /api/token`, seconds. */
  tokenTtlSeconds: number;
  turnKeyId: string | undefined;
  turnKeyApiToken: string | undefined;
  /** Where Cloudflare's TURN key API lives. */
  turnApi: string;
  roomSizeLimit: number;
  /** How long a dropped participant may resume before being removed, ms. */
  resumeGraceMs: number;
  /** Calls proxy requests per user per second (sustained) and burst. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Largest request body the proxy forwards, bytes. */
  maxBodyBytes: number;
  /** Reads every room's analytics on `/dashboard` (hosts read their own room with a host token). */
  adminToken: string | undefined;
  /** Support lines: customers waiting at most, per queue. */
  queueLengthLimit: number;
  /** Support lines: longest wait before a customer is told no agent could answer, ms. */
  queueWaitLimitMs: number;
}

/** Where the Node backend keeps what outlives a restart, unless `DATA_DIR` says otherwise. */
export const DEFAULT_DATA_DIR = '.data';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export type Platform = 'node' | 'worker';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'].includes(v), 'expected true or false')
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const url = z
  .string()
  .trim()
  .url('expected a URL like https://rtc.live.cloudflare.com/v1')
  .refine((v) => /^https?:\/\//.test(v), 'expected an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

const origins = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), {
    message: 'expected * or a comma-separated list of origins like https://example.com',
  });

const schema = z.object({
  CALLS_API: url.optional(),
  CALLS_APP_ID: z.string().trim().min(1, 'must not be empty').optional(),
  CALLS_APP_SECRET: z.string().trim().min(1, 'must not be empty').optional(),
  TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ALLOWED_ORIGINS: origins.optional(),
  OPEN_TOKENS: bool.optional(),
  TOKEN_TTL_SECONDS: int(60, 7 * 24 * 3600).optional(),
  TURN_KEY_ID: z.string().trim().min(1).optional(),
  TURN_KEY_API_TOKEN: z.string().trim().min(1).optional(),
  TURN_API: url.optional(),
  ROOM_SIZE_LIMIT: int(1, 10_000).optional(),
  RESUME_GRACE_MS: int(0, 600_000).optional(),
  RATE_LIMIT_PER_SECOND: int(1, 10_000).optional(),
  RATE_LIMIT_BURST: int(1, 10_000).optional(),
  MAX_BODY_BYTES: int(1024, 16 * 1024 * 1024).optional(),
  SEATS_PER_USER: int(1, 100).optional(),
  DEV_HOST_KEY: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  DATA_DIR: z.string().trim().min(1).optional(),
  NODE_ENV: z.string().trim().toLowerCase().optional(),
  ADMIN_TOKEN: z.string().trim().min(24, 'must be at least 24 characters').optional(),
  QUEUE_LENGTH_LIMIT: int(1, 10_000).optional(),
  QUEUE_WAIT_LIMIT_SECONDS: int(10, 24 * 3600).optional(),
});

/** Names of every setting, for the README and error messages. */
export const SETTING_NAMES = Object.keys(schema.shape);

function randomSecret(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A Calls API on this machine (the embedded SFU run apart, a test's fake): never Cloudflare's. */
export function isLocalCallsApi(callsApi: string): boolean {
  const host = new URL(callsApi).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface ParseOptions {
  /**
   * The local demo (`npm start`): with the embedded SFU and outside production, open tokens and any origin are
   * on unless set otherwise. Nowhere else do they default on.
   */
  demo?: boolean;
}

/**
 * Parses settings. On Node with no `CALLS_API`, the app id and secrets may be left out: the embedded SFU
 * is started with them (random secrets, fine for a dev run). Everywhere else they are required.
 *
 * The open token endpoint is off unless turned on, and it cannot be turned on in production
 * (`NODE_ENV=production`) or against a real SFU (a `CALLS_API` not on this machine: a deployed Worker can
 * reach no loopback address, so there it is always off). It never mints `host` without `DEV_HOST_KEY`.
 */
export function parseSettings(
  env: Record<string, unknown>,
  platform: Platform,
  options: ParseOptions = {},
): Settings {
  // Empty strings count as unset, as shells and .env files produce them.
  const cleaned: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (typeof value === 'string' && value.trim() !== '') cleaned[name] = value;
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
    throw new SettingsError(`Invalid settings:\n  ${lines.join('\n  ')}`);
  }
  const s = parsed.data;
  const embedded = platform === 'node' && s.CALLS_API === undefined;
  const missing: string[] = [];
  if (platform === 'worker' && !s.CALLS_API) missing.push('CALLS_API');
  if (!embedded) {
    if (!s.CALLS_APP_ID) missing.push('CALLS_APP_ID');
    if (!s.CALLS_APP_SECRET) missing.push('CALLS_APP_SECRET');
    if (!s.TOKEN_SECRET) missing.push('TOKEN_SECRET');
  }
  if (Boolean(s.TURN_KEY_ID) !== Boolean(s.TURN_KEY_API_TOKEN)) {
    missing.push(s.TURN_KEY_ID ? 'TURN_KEY_API_TOKEN' : 'TURN_KEY_ID');
  }
  if (missing.length > 0) {
    throw new SettingsError(
      `Missing settings: ${missing.join(', ')}` +
        (platform === 'worker' ? ' (set them with `wrangler secret put` or in wrangler.toml [vars])' : ''),
    );
  }
  const production = s.NODE_ENV === 'production';
  const demo = Boolean(options.demo) && embedded && !production;
  const openTokens = s.OPEN_TOKENS ?? demo;
  if (openTokens && production) {
    throw new SettingsError(
      'Invalid settings:\n  OPEN_TOKENS: cannot be on in production (NODE_ENV=production): mint tokens on your backend',
    );
  }
  if (openTokens && s.CALLS_API !== undefined && !isLocalCallsApi(s.CALLS_API)) {
    throw new SettingsError(
      `Invalid settings:\n  OPEN_TOKENS: cannot be on with a real SFU (CALLS_API ${new URL(s.CALLS_API).host}): ` +
        'it is for the embedded SFU or a Calls API on this machine; mint tokens on your backend',
    );
  }
  if (s.DEV_HOST_KEY !== undefined && !openTokens) {
    throw new SettingsError(
      'Invalid settings:\n  DEV_HOST_KEY: only works with the open token endpoint (OPEN_TOKENS=true), in development',
    );
  }
  return {
    callsApi: s.CALLS_API,
    appId: s.CALLS_APP_ID ?? 'calls-room-local',
    appSecret: s.CALLS_APP_SECRET ?? randomSecret(),
    tokenSecret: s.TOKEN_SECRET ?? randomSecret(),
    allowedOrigins: s.ALLOWED_ORIGINS ?? (demo ? ['*'] : []),
    openTokens,
    demo,
    production,
    devHostKey: s.DEV_HOST_KEY,
    seatsPerUser: s.SEATS_PER_USER ?? 3,
    dataDir: platform === 'node' ? (s.DATA_DIR ?? DEFAULT_DATA_DIR) : undefined,
    tokenTtlSeconds: s.TOKEN_TTL_SECONDS ?? 6 * 3600,
    turnKeyId: s.TURN_KEY_ID,
    turnKeyApiToken: s.TURN_KEY_API_TOKEN,
    turnApi: s.TURN_API ?? 'https://rtc.live.cloudflare.com/v1',
    roomSizeLimit: s.ROOM_SIZE_LIMIT ?? 50,
    resumeGraceMs: s.RESUME_GRACE_MS ?? 15_000,
    rateLimitPerSecond: s.RATE_LIMIT_PER_SECOND ?? 20,
    rateLimitBurst: s.RATE_LIMIT_BURST ?? 60,
    maxBodyBytes: s.MAX_BODY_BYTES ?? 256 * 1024,
    adminToken: s.ADMIN_TOKEN,
    queueLengthLimit: s.QUEUE_LENGTH_LIMIT ?? 50,
    queueWaitLimitMs: (s.QUEUE_WAIT_LIMIT_SECONDS ?? 1800) * 1000,
  };
}
