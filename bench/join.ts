/**
 * `npm run bench:join`: time from `join()` on `<calls-room>` to the first remote video frame rendered
 * (`requestVideoFrameCallback` on the remote tile's `<video>`), two participants on this machine, through the
 * real backend (token endpoint, presence, Calls proxy) and the embedded SFU, with the built script-tag
 * bundle `dist/widget/calls-room.js`. Each run uses a new room: the first participant joins untimed, the second
 * one's join is measured. Prints p50 / p95 and the phases of the median run.
 *
 * Runs inside a private network namespace that looks like an ordinary machine when the machine allows it
 * (scripts/in-netns.sh: loopback plus a veth pair on 198.18.0.1 and 198.18.0.2): the embedded SFU announces
 * those addresses by its default detection, and Chromium runs without test flags on the network.
 *
 * Options (env): RUNS (20), CHROME_PATH.
 */
import { chromium, type Page } from 'playwright-core';
import { execSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSfu } from '../src/sfu/server.ts';
import { startBackend } from '../src/server/node-server.ts';
import { parseSettings } from '../src/server/settings.ts';
import { makeY4m } from './y4m.ts';
import { CHROMIUM_ARGS as ARGS, findChrome } from '../scripts/find-chrome.mjs';

const RUNS = Number(process.env.RUNS ?? '20');

if (!existsSync('dist/widget/calls-room.js')) execSync('npx vite build', { stdio: 'inherit' });
const executablePath = findChrome();
if (!executablePath) throw new Error('No Chromium: apt-get install -y chromium, or set CHROME_PATH');
const y4m = await makeY4m(join(tmpdir(), 'calls-room-bench-640x360.y4m'));

const sfu = await startSfu({ port: 0, appId: 'bench', appSecret: `bench-${process.pid}` });
const settings = parseSettings(
  {
    CALLS_API: sfu.url,
    CALLS_APP_ID: sfu.appId,
    CALLS_APP_SECRET: sfu.appSecret,
    TOKEN_SECRET: `bench-token-secret-${process.pid}-0123456789abcdef`,
    OPEN_TOKENS: 'true',
    ALLOWED_ORIGINS: '*',
  },
  'node',
);
// A plain page with the script tag, served beside the API as a site would, with the lazy chunks
// `calls-room-*.js` the bundle loads relative to itself (the call engine among them).
const site = mkdtempSync(join(tmpdir(), 'calls-room-bench-'));
for (const file of readdirSync('dist/widget')) {
  if (/^calls-room(-.+)?\.js$/.test(file)) copyFileSync(join('dist/widget', file), join(site, file));
}
writeFileSync(
  join(site, 'index.html'),
  '<!doctype html><html lang="en"><body><script type="module" src="/calls-room.js"></script></body></html>',
);
const backend = await startBackend({ settings, callsApi: sfu.url, port: 0, staticDir: site });

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [...ARGS, `--use-file-for-fake-video-capture=${y4m}`],
});

interface Run {
  /** User Timing marks of the join, ms after join(). */
  phases: Record<string, number>;
  total: number;
  joined: number;
  subscribed: number;
}

const runs: Run[] = [];
try {
  const first = await open();
  const second = await open();
  for (let i = 0; i < RUNS; i++) {
    const room = `bench-${i}-${Math.random().toString(36).slice(2, 8)}`;
    await first.evaluate(joinRoom, { room, name: 'First', timed: false });
    const run = (await second.evaluate(joinRoom, { room, name: 'Second', timed: true }))!;
    runs.push(run);
    console.log(
      `run ${i + 1}: ${run.total.toFixed(0)} ms (joined ${run.joined.toFixed(0)}, track ${run.subscribed.toFixed(0)}) ${JSON.stringify(run.phases)}`,
    );
    await Promise.all([first.evaluate(leave), second.evaluate(leave)]);
  }
} finally {
  await browser.close();
  await backend.close();
  await sfu.close();
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const totals = runs.map((r) => r.total);
const summary = {
  date: new Date().toISOString(),
  cores: cpus().length,
  runs: runs.length,
  p50: pct(totals, 50),
  p95: pct(totals, 95),
  min: Math.min(...totals),
  max: Math.max(...totals),
  joinedP50: pct(
    runs.map((r) => r.joined),
    50,
  ),
  subscribedP50: pct(
    runs.map((r) => r.subscribed),
    50,
  ),
};
console.log(
  [
    '',
    '| runs | join() → first remote frame p50 | p95 | min | max | join() → calls-joined p50 | join() → calls-track-subscribed p50 |',
    '|---|---|---|---|---|---|---|',
    `| ${summary.runs} | ${summary.p50.toFixed(0)} ms | ${summary.p95.toFixed(0)} ms | ${summary.min.toFixed(0)} ms | ${summary.max.toFixed(0)} ms | ${summary.joinedP50.toFixed(0)} ms | ${summary.subscribedP50.toFixed(0)} ms |`,
  ].join('\n'),
);
mkdirSync('bench/.out', { recursive: true });
writeFileSync('bench/.out/join.json', JSON.stringify({ ...summary, all: runs }, null, 2));

async function open(): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx compiles with esbuild's keepNames, whose `__name` helper the functions handed to the page call.
  await context.addInitScript('window.__name = (f) => f');
  const page = await context.newPage();
  await page.goto(`${backend.url}/index.html`);
  await page.waitForFunction(() => customElements.get('calls-room') !== undefined);
  return page;
}

// ---- code that runs in the pages -----------------------------------------------------------------------

interface BenchRoom extends HTMLElement {
  join(): Promise<void>;
  leave(): void;
  state: { tiles: readonly { participantId: string }[]; selfId?: string };
}

// Each function below is sent to the page on its own: no calls between them.
/**
 * Adds a `<calls-room>` for `room` and joins it. Untimed (the first participant): resolves once its camera is
 * published. Timed: resolves with the time from `join()` to the first remote frame presented, and the phases.
 */
async function joinRoom({
  room,
  name,
  timed,
}: {
  room: string;
  name: string;
  timed: boolean;
}): Promise<Run | undefined> {
  const el = document.createElement('calls-room') as BenchRoom;
  // join() right after setting `room` takes the place of the join the element would start by itself.
  el.setAttribute('room', room);
  el.setAttribute('name', name);
  el.style.width = '640px';
  document.body.append(el);
  (window as unknown as { benchRoom: BenchRoom }).benchRoom = el;
  if (!timed) {
    const published = new Promise((resolve) =>
      el.addEventListener('calls-track-published', (e) => {
        if (e.detail.source === 'camera') resolve(undefined);
      }),
    );
    await el.join();
    await published;
    return undefined;
  }
  let joined = 0;
  let subscribed = 0;
  el.addEventListener('calls-joined', () => (joined = performance.now()), { once: true });
  el.addEventListener('calls-track-subscribed', () => (subscribed ||= performance.now()));
  const t0 = performance.now();
  void el.join();
  const frame = await new Promise<number>((resolve) => {
    const poll = () => {
      const tiles = el.shadowRoot?.querySelectorAll('calls-tile') ?? [];
      for (const tile of tiles) {
        const video = tile.shadowRoot?.querySelector('video');
        const remote = tile.getAttribute('participant-id') !== el.state.selfId;
        if (remote && video?.srcObject) {
          video.requestVideoFrameCallback(() => resolve(performance.now()));
          return;
        }
      }
      requestAnimationFrame(poll);
    };
    poll();
  });
  const phases: Record<string, number> = {};
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('calls-room:') && m.startTime >= t0)
      phases[m.name.slice(11)] ??= Math.round(m.startTime - t0);
  }
  performance.clearMarks();
  return { total: frame - t0, joined: joined - t0, subscribed: subscribed - t0, phases };
}

function leave(): void {
  const el = (window as unknown as { benchRoom?: BenchRoom }).benchRoom;
  el?.leave();
  el?.remove();
}
