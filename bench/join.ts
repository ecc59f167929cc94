/**
 * `npm run bench:join`: time from `join()` on `<calls-room>` to the first remote video frame rendered
 * (`requestVideoFrameCallback` on the remote tile's `<video>`), two participants on this machine, through the
 * real backend (token endpoint, presence, Calls proxy) and the embedded SFU, with the built script-tag
 * bundle `dist/widget/` (built afresh). Each run uses a new room: the first participant joins untimed, the
 * second one's join is measured. Prints each run's phases, then p50 / p95 of the total and of every phase
 * (ms after `join()`, from the client's User Timing marks `calls-room:*`): token, media (getUserMedia),
 * session (sessions/new), welcome (presence), answer (first SFU offer answered), ice (ICE connected), dtls
 * (ICE+DTLS connected), transport (SCTP up), track (first remote video track), rtp (its first packet),
 * frame (first remote frame presented), joined (`calls-joined`).
 *
 * Runs inside a private network namespace that looks like an ordinary machine when the machine allows it
 * (scripts/in-netns.sh: loopback plus a veth pair on 198.18.0.1 and 198.18.0.2): the embedded SFU announces
 * those addresses by its default detection, and Chromium runs without test flags on the network.
 *
 * Options (env): RUNS (20), CHROME_PATH.
 */
import { chromium, type Page } from 'playwright-core';
import { execSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSfu } from '../src/sfu/server.ts';
import { startBackend } from '../src/server/node-server.ts';
import { parseSettings } from '../src/server/settings.ts';
import { makeY4m } from './y4m.ts';
import { CHROMIUM_ARGS as ARGS, findChrome } from '../scripts/find-chrome.mjs';

const RUNS = Number(process.env.RUNS ?? '20');

// Always the current source: a stale bundle would measure some other client.
execSync('npx vite build', { stdio: 'inherit' });
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
cpSync('dist/widget', site, { recursive: true });
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
  /** Time from join() to the first remote frame presented, ms. */
  total: number;
  /** Each phase's mark (and `frame`, `joined`, `subscribed`), ms after join(). */
  phases: Record<string, number>;
}

/** The phases in the order a join goes through them (others the client marks are listed after). */
const PHASES = [
  'token',
  'media',
  'ice-servers',
  'session',
  'welcome',
  'answer',
  'ice',
  'dtls',
  'transport',
  'track',
  'subscribed',
  'rtp',
  'frame',
  'joined',
];

const runs: Run[] = [];
const load: number[] = [loadavg()[0]!];
try {
  const first = await open();
  const second = await open();
  for (let i = 0; i < RUNS; i++) {
    const room = `bench-${i}-${Math.random().toString(36).slice(2, 8)}`;
    await first.evaluate(joinRoom, { room, name: 'First', timed: false });
    const run = (await second.evaluate(joinRoom, { room, name: 'Second', timed: true }))!;
    runs.push(run);
    const phases = ordered(Object.keys(run.phases))
      .map((k) => `${k} ${run.phases[k]}`)
      .join(', ');
    console.log(`run ${i + 1}: ${run.total.toFixed(0)} ms  (${phases})`);
    await Promise.all([first.evaluate(leave), second.evaluate(leave)]);
  }
} finally {
  load.push(loadavg()[0]!);
  await browser.close();
  await backend.close();
  await sfu.close();
}

function ordered(names: string[]): string[] {
  const rank = (n: string) => (PHASES.includes(n) ? PHASES.indexOf(n) : PHASES.length);
  return [...names].sort((a, b) => rank(a) - rank(b));
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const totals = runs.map((r) => r.total);
const phaseNames = ordered([...new Set(runs.flatMap((r) => Object.keys(r.phases)))]);
const phaseStats = Object.fromEntries(
  phaseNames.map((name) => {
    const values = runs.map((r) => r.phases[name]).filter((v): v is number => v !== undefined);
    return [name, { p50: pct(values, 50), p95: pct(values, 95), runs: values.length }];
  }),
);
const summary = {
  date: new Date().toISOString(),
  cores: cpus().length,
  loadAverage: { start: load[0], end: load[1] },
  runs: runs.length,
  p50: pct(totals, 50),
  p95: pct(totals, 95),
  min: Math.min(...totals),
  max: Math.max(...totals),
  phases: phaseStats,
};
const ms = (v: number) => `${v.toFixed(0)} ms`;
console.log(
  [
    '',
    `load average (1 min) ${load[0]!.toFixed(2)} at the start, ${load[1]!.toFixed(2)} at the end; ${summary.cores} cores`,
    '',
    '| runs | join() → first remote frame p50 | p95 | min | max |',
    '|---|---|---|---|---|',
    `| ${summary.runs} | ${ms(summary.p50)} | ${ms(summary.p95)} | ${ms(summary.min)} | ${ms(summary.max)} |`,
    '',
    '| phase (ms after join()) | p50 | p95 | runs |',
    '|---|---|---|---|',
    ...phaseNames.map(
      (n) => `| ${n} | ${ms(phaseStats[n]!.p50)} | ${ms(phaseStats[n]!.p95)} | ${phaseStats[n]!.runs} |`,
    ),
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
  const phases: Record<string, number> = {};
  const joined = new Promise<void>((resolve) =>
    el.addEventListener(
      'calls-joined',
      () => {
        phases.joined = Math.round(performance.now() - t0);
        resolve();
      },
      { once: true },
    ),
  );
  el.addEventListener(
    'calls-track-subscribed',
    () => (phases.subscribed ??= Math.round(performance.now() - t0)),
  );
  performance.clearMarks();
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
  phases.frame = Math.round(frame - t0);
  // `calls-joined` may come after the first frame (it waits for the chat channels): wait for it too.
  await joined;
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('calls-room:') && m.startTime >= t0)
      phases[m.name.slice(11)] ??= Math.round(m.startTime - t0);
  }
  performance.clearMarks();
  return { total: frame - t0, phases };
}

function leave(): void {
  const el = (window as unknown as { benchRoom?: BenchRoom }).benchRoom;
  el?.leave();
  el?.remove();
}
