/**
 * `npm run bench:record`: what recording costs the host. For 2, 4 and 9 participants in one room (the built
 * script-tag bundle, the real backend and the embedded SFU, in the private network namespace), the host's
 * Chromium (a browser of its own) is measured for CPU over a window in the call without recording, then over a
 * window while it records; the difference is the recorder (canvas composite, WebAudio mix, MediaRecorder's
 * VP8/Opus encoding, chunk upload). The upload bitrate is the finished file's size over its duration.
 *
 * CPU is the host browser's whole process tree (/proc utime + stime), in % of one core. Participants use
 * Chromium's fake camera (not the Y4M file of bench:join): nine participants on a 2-core machine would
 * otherwise measure the machine's saturation, not the recorder.
 *
 * Options (env): SIZES (2,4,9), WINDOW_S (15), CHROME_PATH.
 */
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { execSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingInfo } from '../src/protocol/recording.ts';
import { startBackend } from '../src/server/node-server.ts';
import { parseRecordingSettings } from '../src/server/recording-settings.ts';
import { parseSettings } from '../src/server/settings.ts';
import { createRoomToken } from '../src/server/tokens.ts';
import { startSfu } from '../src/sfu/server.ts';
import { CHROMIUM_ARGS as ARGS, findChrome } from '../scripts/find-chrome.mjs';

const SIZES = (process.env.SIZES ?? '2,4,9').split(',').map(Number);
const WINDOW_S = Number(process.env.WINDOW_S ?? '15');
const TOKEN_SECRET = `bench-token-secret-${process.pid}-0123456789abcdef`;

if (!existsSync('dist/widget/calls-room.js') || !existsSync('dist/widget/calls-room-recorder.js')) {
  execSync('npx vite build', { stdio: 'inherit' });
}
const executablePath = findChrome();
if (!executablePath) throw new Error('No Chromium: apt-get install -y chromium, or set CHROME_PATH');

const sfu = await startSfu({ port: 0, appId: 'bench', appSecret: `bench-${process.pid}` });
const settings = parseSettings(
  {
    CALLS_API: sfu.url,
    CALLS_APP_ID: sfu.appId,
    CALLS_APP_SECRET: sfu.appSecret,
    TOKEN_SECRET,
    ALLOWED_ORIGINS: '*',
  },
  'node',
);
const site = mkdtempSync(join(tmpdir(), 'calls-room-bench-'));
for (const file of ['calls-room.js', 'calls-room-recorder.js'])
  copyFileSync(`dist/widget/${file}`, join(site, file));
writeFileSync(
  join(site, 'index.html'),
  '<!doctype html><html lang="en"><body><script type="module" src="/calls-room.js"></script></body></html>',
);
const dataDir = mkdtempSync(join(tmpdir(), 'calls-room-bench-data-'));
const backend = await startBackend({
  settings,
  callsApi: sfu.url,
  port: 0,
  staticDir: site,
  dataDir,
  recordings: parseRecordingSettings({}, dataDir),
});

const launch = async (): Promise<{ server: BrowserServer; browser: Browser }> => {
  const server = await chromium.launchServer({ executablePath, headless: true, args: ARGS });
  return { server, browser: await chromium.connect(server.wsEndpoint()) };
};
const host = await launch();
const guests = await launch();

interface Row {
  participants: number;
  callCpu: number;
  recordingCpu: number;
  recorderCpu: number;
  uploadKbps: number;
  chunks: number;
  durationS: number;
  sizeMiB: number;
}
const rows: Row[] = [];

try {
  for (const n of SIZES) {
    const room = `bench-rec-${n}-${Math.random().toString(36).slice(2, 8)}`;
    const hostToken = await token(room, 'host', 'Host', 'host');
    const pages: Page[] = [await open(host.browser, room, hostToken, { width: 1280, height: 1400 })];
    for (let i = 1; i < n; i++) {
      // Guests in a small window: they send their camera and pull only the few tiles in view (by design), so
      // eight of them do not take the machine's two cores from the host being measured.
      const guest = await token(room, `g${i}`, `Guest ${i}`, 'guest');
      pages.push(await open(guests.browser, room, guest, { width: 360, height: 240 }));
    }
    const hostPage = pages[0]!;
    // The host sees everyone's video before anything is measured.
    await hostPage.waitForFunction(videosPlaying, n, { timeout: 180_000, polling: 500 });
    const pid = host.server.process().pid!;
    const callCpu = await cpuOver(pid, WINDOW_S);
    await hostPage.evaluate(() =>
      (
        document.querySelector('calls-room') as unknown as { startRecording(): Promise<void> }
      ).startRecording(),
    );
    await new Promise((r) => setTimeout(r, 3000)); // the recorder's start (chunk load, first keyframes) is not measured
    const recordingCpu = await cpuOver(pid, WINDOW_S);
    await hostPage.evaluate(() =>
      (document.querySelector('calls-room') as unknown as { stopRecording(): Promise<void> }).stopRecording(),
    );
    const list = await fetch(`${backend.url}/api/recordings?room=${room}`, {
      headers: { authorization: `Bearer ${hostToken}` },
    });
    const [info] = ((await list.json()) as { recordings: RecordingInfo[] }).recordings;
    if (info?.status !== 'complete') throw new Error(`recording ${info?.status ?? 'missing'}`);
    const row: Row = {
      participants: n,
      callCpu,
      recordingCpu,
      recorderCpu: recordingCpu - callCpu,
      uploadKbps: (info.size * 8) / info.durationMs,
      chunks: Math.ceil(info.durationMs / 3000),
      durationS: info.durationMs / 1000,
      sizeMiB: info.size / 1024 / 1024,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    for (const p of pages) await p.context().close();
  }
} finally {
  await host.browser.close();
  await guests.browser.close();
  await host.server.close();
  await guests.server.close();
  await backend.close();
  await sfu.close();
}

const f = (x: number, d = 0) => x.toFixed(d);
console.log(
  [
    '',
    `${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${WINDOW_S} s windows, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end`,
    '',
    '| participants | host CPU in the call | host CPU while recording | recorder | upload | file |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.participants} | ${f(r.callCpu)} % | ${f(r.recordingCpu)} % | **${f(r.recorderCpu)} %** | ${f(r.uploadKbps)} kbit/s | ${f(r.sizeMiB, 1)} MiB / ${f(r.durationS, 1)} s |`,
    ),
  ].join('\n'),
);
mkdirSync('bench/.out', { recursive: true });
writeFileSync(
  'bench/.out/record.json',
  JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, rows }, null, 2),
);

async function token(room: string, sub: string, name: string, role: 'host' | 'guest'): Promise<string> {
  return (await createRoomToken({ secret: TOKEN_SECRET, sub, name, room, role })).token;
}

async function open(
  browser: Browser,
  room: string,
  tok: string,
  viewport: { width: number; height: number },
): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  await context.addInitScript('window.__name = (f) => f');
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${backend.url}/index.html`);
  await page.waitForFunction(() => customElements.get('calls-room') !== undefined);
  await page.evaluate(
    ({ room, tok }) => {
      const el = document.createElement('calls-room');
      el.setAttribute('room', room);
      el.setAttribute('token', tok);
      el.setAttribute('no-chat', '');
      el.style.cssText = `display: block; width: ${innerWidth - 20}px; --calls-tile-min-width: 120px`;
      document.body.append(el);
    },
    { room, tok },
  );
  return page;
}

/** In the page: at least `n` camera tiles (our own included) show decoded video. */
function videosPlaying(n: number): boolean {
  const el = document.querySelector('calls-room');
  let playing = 0;
  for (const tile of el?.shadowRoot?.querySelectorAll('calls-tile') ?? []) {
    if ((tile.shadowRoot?.querySelector('video')?.videoWidth ?? 0) > 0) playing++;
  }
  return playing >= n;
}

/** CPU of `pid` and all its descendants over `seconds`, in % of one core. */
async function cpuOver(pid: number, seconds: number): Promise<number> {
  const before = treeTicks(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const ticks = treeTicks(pid) - before;
  const hz = 100; // USER_HZ on Linux
  return (ticks / hz / ((performance.now() - t0) / 1000)) * 100;
}

function treeTicks(root: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const [p, t] of ticks) {
    for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) {
      if (q === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}
