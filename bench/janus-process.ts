/**
 * Starts Debian's `janus` (a C SFU, the bench's side-by-side anchor) in its own process with a config the bench
 * writes to a temporary folder: only the HTTP transport (on 127.0.0.1) and the VideoRoom plugin, ICE on the
 * machine's non-loopback interfaces (the netns veth pair), no STUN. Not a product dependency: when `janus` is
 * not installed, `findJanus` returns undefined and the bench runs our SFU alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  copyFileSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

const LOG_COPY_DIR = 'bench/.out';

/** Debian's module folders: /usr/lib/<multiarch triplet>/janus (or JANUS_LIB). */
function janusLib(): string | undefined {
  const candidates = [process.env.JANUS_LIB, ...safeList('/usr/lib').map((d) => `/usr/lib/${d}/janus`)];
  return candidates.find((dir) => dir && existsSync(join(dir, 'plugins', 'libjanus_videoroom.so')));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface RunningJanus {
  /** Base of the Janus HTTP API, e.g. http://127.0.0.1:PORT/janus. */
  url: string;
  pid: number;
  /** Janus's log (stdout and stderr), for when something goes wrong; copied to bench/.out/janus.log on close. */
  logPath: string;
  close(): Promise<void>;
}

export class JanusStartError extends Error {}

export function findJanus(): string | undefined {
  for (const path of [process.env.JANUS_PATH, '/usr/bin/janus']) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

export async function startJanus(executable: string): Promise<RunningJanus> {
  const lib = janusLib();
  if (!lib)
    throw new JanusStartError('janus is installed but not its VideoRoom plugin (libjanus_videoroom.so)');
  const dir = mkdtempSync(join(tmpdir(), 'calls-room-janus-'));
  const port = await freePort();
  writeConfig(dir, lib, port);
  const logPath = join(dir, 'janus.log');
  const log = openSync(logPath, 'w');
  const child = spawn(executable, ['-C', join(dir, 'janus.jcfg'), '-F', dir], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}/janus`;
  try {
    await waitForApi(url, child, logPath);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    pid: child.pid!,
    logPath,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      mkdirSync(LOG_COPY_DIR, { recursive: true });
      copyFileSync(logPath, join(LOG_COPY_DIR, 'janus.log'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeConfig(dir: string, lib: string, port: number): void {
  // Janus loads every module in its folders: folders holding only the two modules the bench uses.
  const only = (name: string, file?: string) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    if (file) symlinkSync(join(lib, name, file), join(folder, file));
    return folder;
  };
  const interfaces = Object.entries(networkInterfaces())
    .filter(([, addrs]) => addrs?.some((a) => a.family === 'IPv4' && !a.internal))
    .map(([name]) => name);
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${only('plugins', 'libjanus_videoroom.so')}"
  transports_folder = "${only('transports', 'libjanus_http.so')}"
  events_folder = "${only('events')}"
  loggers_folder = "${only('loggers')}"
  debug_level = 3
  session_timeout = 60
}
media: {
  rtp_port_range = "20000-40000"
}
nat: {
  ignore_mdns = true
  ${interfaces.length ? `ice_enforce_list = "${interfaces.join(',')}"` : ''}
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: {
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
`,
  );
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
}

async function waitForApi(url: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new JanusStartError(`janus exited with code ${child.exitCode}; see ${logPath}`);
    try {
      const res = await fetch(`${url}/info`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100)); // polling a starting process's port
  }
  throw new JanusStartError(`janus did not answer on ${url} within 15 s; see ${logPath}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
