/**
 * `npm start`: the backend on Node, plus (when CALLS_API is unset) the embedded SFU in this process, plus the
 * built demo, on one port (PORT, default 8787).
 */
import { persistedSecret } from './node-secret.ts';
import { parseRecordingSettings } from './recording-settings.ts';
import { DEFAULT_DATA_DIR, parseSettings, SettingsError, type Settings } from './settings.ts';
import { startBackend, type RunningBackend } from './node-server.ts';

export interface NodeAppOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /** `npm start`: the local demo's defaults (open tokens, any origin) with the embedded SFU; see settings.ts. */
  demo?: boolean;
}

export interface RunningNodeApp {
  backend: RunningBackend;
  settings: Settings;
  /** The Calls API the proxy uses. */
  callsApi: string;
  /** The embedded SFU's announced media addresses (what a session created now gets); none with CALLS_API. */
  mediaAddresses(): string[];
  close(): Promise<void>;
}

function portOf(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 8787;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535)
    throw new SettingsError(`Invalid settings:\n  PORT: expected 0-65535`);
  return port;
}

/** Starts everything `npm start` runs; tests use it too. */
export async function startNodeApp(options: NodeAppOptions = {}): Promise<RunningNodeApp> {
  let env = options.env ?? process.env;
  if (!env.CALLS_API?.trim() && !env.TOKEN_SECRET?.trim()) {
    // The embedded SFU with a generated TOKEN_SECRET: kept in DATA_DIR, so tokens survive a restart.
    env = { ...env, TOKEN_SECRET: persistedSecret(env.DATA_DIR?.trim() || DEFAULT_DATA_DIR, 'token-secret') };
  }
  const settings = parseSettings(env, 'node', { demo: options.demo ?? false });
  const recordings = parseRecordingSettings(env, settings.dataDir);
  const port = options.port ?? portOf(env.PORT);
  let callsApi = settings.callsApi;
  let closeSfu: (() => Promise<void>) | undefined;
  let mediaAddresses = (): string[] => [];
  if (!callsApi) {
    // The one place the backend reaches into src/sfu (a layer exception, design.md): composing the all-in-one
    // dev server. A dynamic import, so a Node deployment against Cloudflare (CALLS_API set) never loads the
    // media engine; the lint layer rule only sees static imports.
    const [{ startSfu }, { sfuOptionsFromEnv }] = await Promise.all([
      import('../sfu/server.ts'),
      import('../sfu/env.ts'),
    ]);
    let media: ReturnType<typeof sfuOptionsFromEnv>;
    try {
      media = sfuOptionsFromEnv(env);
    } catch (error) {
      throw new SettingsError(`Invalid settings:\n  ${(error as Error).message}`);
    }
    // The API is the backend's alone (127.0.0.1 unless SFU_HOST says otherwise); the media announces every
    // interface address, so browsers on this machine and on the LAN reach it.
    const sfu = await startSfu({ port: 0, ...media, appId: settings.appId, appSecret: settings.appSecret });
    callsApi = sfu.url;
    closeSfu = () => sfu.close();
    mediaAddresses = () => sfu.announcedAddresses();
  }
  const backend = await startBackend({
    settings,
    callsApi,
    port,
    host: options.host ?? env.HOST ?? '127.0.0.1',
    ...(settings.dataDir !== undefined ? { dataDir: settings.dataDir } : {}),
    recordings,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    backend,
    settings,
    callsApi,
    mediaAddresses,
    close: async () => {
      await backend.close();
      await closeSfu?.();
    },
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;

if (isMain) {
  try {
    const app = await startNodeApp({ demo: true });
    const where = app.settings.callsApi ? `Calls API ${app.callsApi}` : 'embedded SFU (in this process)';
    const tokens = !app.settings.openTokens
      ? 'off'
      : app.settings.demo
        ? 'on for the local demo, embedded SFU only; OPEN_TOKENS=false turns them off'
        : 'on';
    console.log(`calls-room: ${app.backend.url}  (${where}; open tokens ${tokens})`);
    const media = app.mediaAddresses();
    if (media.length) {
      console.log(`calls-room: media on ${media.join(', ')}  (set SFU_ANNOUNCED_IP to announce others)`);
    }
    const stop = () => {
      void app.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`calls-room: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
