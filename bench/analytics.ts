/**
 * `npm run bench:analytics`: two figures for call-quality analytics.
 *
 * 1. Ingest on Node, one core: `POST /api/analytics` through the backend's app in this process (room-token
 *    check, body limits, schema, rate limit, owner check, digest, NDJSON append under a data directory),
 *    batches as a page sends them in a three-person call (every 30 s: 3 ticks × 3 participants = 9 samples
 *    of 2 tracks each). Prints batches/s and samples/s; and the store alone (digest + figures, no HTTP).
 * 2. Browser CPU per participant: a two-person call in Chromium (the built widget, realistic 640x360 video),
 *    then in each page the main thread's task time (CDP `Performance.getMetrics`, TaskDuration) over
 *    `TICKS` quality ticks done back to back (getStats + StatsSampler, what QualityMonitor does every 2 s),
 *    minus an idle window of the same length. Per tick and as a share of one core at one tick per 2 s.
 *
 * Options (env): BATCHES (6000), TICKS (100), CHROME_PATH.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import type { AnalyticsBatch, StatsSample } from '../src/protocol/analytics.ts';
import { FileAnalytics } from '../src/server/analytics-files.ts';
import { MemoryAnalytics } from '../src/server/analytics-memory.ts';
import { analyticsBatchSchema } from '../src/server/analytics-schema.ts';
import { createApp } from '../src/server/app.ts';
import { NodeRooms, startBackend } from '../src/server/node-server.ts';
import { parseSettings } from '../src/server/settings.ts';
import { createRoomToken } from '../src/server/tokens.ts';
import { startSfu } from '../src/sfu/server.ts';
import { CHROMIUM_ARGS, findChrome } from '../scripts/find-chrome.mjs';
import { makeY4m } from './y4m.ts';

const BATCHES = Number(process.env.BATCHES ?? '6000');
const TICKS = Number(process.env.TICKS ?? '100');
const SECRET = `bench-token-secret-${process.pid}-0123456789abcdef`;

function sample(participantId: string, local: boolean, at: number): StatsSample {
  const dir = local ? ('send' as const) : ('recv' as const);
  return {
    at,
    intervalMs: 10_000,
    participantId,
    local,
    quality: 'good',
    reason: null,
    tracks: [
      {
        direction: dir,
        kind: 'video',
        source: 'camera',
        bitrate: 900_000,
        packets: 900,
        packetsLost: 1,
        lossRatio: 0.0011,
        rttMs: 30,
        jitterMs: 4,
        fps: 30,
        width: 640,
        height: 360,
        freezeCount: 0,
        freezeMs: 0,
        layer: 'f',
      },
      {
        direction: dir,
        kind: 'audio',
        source: 'microphone',
        bitrate: 32_000,
        packets: 500,
        packetsLost: 0,
        lossRatio: 0,
        rttMs: 30,
        jitterMs: 4,
      },
    ],
  };
}

function batchOf(room: string, pid: string, seq: number): AnalyticsBatch {
  const now = Date.now();
  const samples: StatsSample[] = [];
  for (let t = 0; t < 3; t++) {
    samples.push(
      sample(pid, true, now - t * 10_000),
      sample(`${pid}-b`, false, now - t * 10_000),
      sample(`${pid}-c`, false, now - t * 10_000),
    );
  }
  return {
    v: 1,
    room,
    participantId: pid,
    seq,
    sentAt: now,
    samples,
    events: [{ type: 'reconnecting', at: now }],
  };
}

async function ingest(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'calls-bench-analytics-'));
  const settings = parseSettings(
    { CALLS_API: 'http://127.0.0.1:9/v1', CALLS_APP_ID: 'a', CALLS_APP_SECRET: 's', TOKEN_SECRET: SECRET },
    'node',
  );
  const analytics = new FileAnalytics(dir);
  const app = createApp({
    settings,
    rooms: new NodeRooms(settings, Date.now),
    callsApi: settings.callsApi!,
    analytics,
  });
  // Six batches per participant (the rate limit's burst), 50 participants per room.
  const participants = Math.ceil(BATCHES / 6);
  const tokens: { token: string; room: string; pid: string }[] = [];
  for (let i = 0; i < participants; i++) {
    const room = `bench-${Math.floor(i / 50)}`;
    const { token } = await createRoomToken({ secret: SECRET, sub: `u${i}`, name: 'x', room, role: 'guest' });
    tokens.push({ token, room, pid: `p${i}` });
  }
  const bodies = tokens
    .flatMap((t) =>
      Array.from({ length: 6 }, (_, s) => ({ ...t, body: JSON.stringify(batchOf(t.room, t.pid, s)) })),
    )
    .slice(0, BATCHES);
  const samplesPer = 9;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let refused = 0;
  for (const b of bodies) {
    const res = await app.fetch(
      new Request('http://bench/api/analytics', {
        method: 'POST',
        headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
        body: b.body,
      }),
    );
    if (res.status !== 202) refused++;
    await res.arrayBuffer();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (refused > 0) throw new Error(`${refused} batches refused`);

  // The store alone, from the same batches already checked.
  const memory = new MemoryAnalytics();
  const checked = bodies.map((b) => ({ sub: b.pid, batch: analyticsBatchSchema.parse(JSON.parse(b.body)) }));
  const s0 = performance.now();
  for (const c of checked)
    memory.apply({ origin: 'client', receivedAt: Date.now(), sub: c.sub, batch: c.batch });
  const storeSeconds = (performance.now() - s0) / 1000;
  rmSync(dir, { recursive: true, force: true });

  const n = bodies.length;
  console.log('\n## Ingest on Node (one process, sequential requests)\n');
  console.log(
    `${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`,
  );
  console.log(
    '| path | batches | samples | wall s | CPU s | batches/s | samples/s (wall) | samples per CPU-second |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(
    `| POST /api/analytics → files | ${n} | ${n * samplesPer} | ${seconds.toFixed(2)} | ${cpuSeconds.toFixed(2)} | ${Math.round(n / seconds)} | ${Math.round((n * samplesPer) / seconds)} | ${Math.round((n * samplesPer) / cpuSeconds)} |`,
  );
  console.log(
    `| store only (digest + figures) | ${n} | ${n * samplesPer} | ${storeSeconds.toFixed(2)} | – | ${Math.round(n / storeSeconds)} | ${Math.round((n * samplesPer) / storeSeconds)} | – |`,
  );
}

/** In the page: TICKS back-to-back quality ticks on the room's connection. */
const TICK_LOOP = `async (ticks) => {
  const room = document.querySelector('calls-room');
  const pc = room.model.sfuSession.peerConnection;
  const inbound = new Map();
  const outbound = new Map();
  for (const t of pc.getTransceivers()) {
    if (!t.mid) continue;
    if (t.direction === 'recvonly') inbound.set(t.mid, { participantId: 'other-' + t.mid, source: t.receiver.track.kind === 'audio' ? 'microphone' : 'camera' });
    else if (t.sender.track) outbound.set(t.mid, t.sender.track.kind === 'audio' ? 'microphone' : 'camera');
  }
  const ctx = { selfId: 'me', inbound, outbound };
  const sampler = new window.BenchSampler.StatsSampler();
  let samples = 0;
  for (let i = 0; i < ticks; i++) {
    const report = await pc.getStats();
    samples += sampler.sample(report.values(), ctx, performance.now(), Date.now()).length;
  }
  return samples;
}`;

/** Main-thread task time and the renderer process's CPU time (its WebRTC threads included), seconds. */
async function cpuSeconds(cdp: {
  send(m: string): Promise<unknown>;
}): Promise<{ task: number; process: number }> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), process: get('ProcessTime') };
}

async function browserCpu(): Promise<void> {
  execSync('npx vite build', { stdio: 'ignore' });
  const executablePath = findChrome();
  if (!executablePath) throw new Error('No Chromium: apt-get install -y chromium, or set CHROME_PATH');
  const y4m = await makeY4m(join(tmpdir(), 'calls-room-bench-640x360.y4m'));
  const sampler = await build({
    entryPoints: ['src/client/stats-sampler.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'BenchSampler',
    minify: true,
  });
  const sfu = await startSfu({ port: 0, appId: 'bench', appSecret: `bench-${process.pid}` });
  const settings = parseSettings(
    {
      CALLS_API: sfu.url,
      CALLS_APP_ID: sfu.appId,
      CALLS_APP_SECRET: sfu.appSecret,
      TOKEN_SECRET: SECRET,
      OPEN_TOKENS: 'true',
      ALLOWED_ORIGINS: '*',
    },
    'node',
  );
  const backend = await startBackend({
    settings,
    callsApi: sfu.url,
    port: 0,
    staticDir: false,
    widgetDir: 'dist/widget',
  });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${y4m}`],
  });
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const room = `bench-${process.pid}`;
  const pages: Page[] = [];
  for (const name of ['Ada', 'Bob']) {
    const page = await context.newPage();
    await page.setContent(
      `<!doctype html><calls-room endpoint="${backend.url}/api" room="${room}" name="${name}"></calls-room><script type="module" src="${backend.url}/calls-room.js"></script>`,
    );
    pages.push(page);
  }
  for (const page of pages) {
    await page.waitForFunction(
      "(async () => { const r = document.querySelector('calls-room'); let n = 0; (await r?.getStats())?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') n += s.framesDecoded ?? 0; }); return n > 30; })()",
      undefined,
      { timeout: 60_000, polling: 500 },
    );
    await page.addScriptTag({ content: sampler.outputFiles[0]!.text });
  }
  console.log('\n## Browser CPU of the quality ticks (per participant)\n');
  console.log(
    `Chromium ${browser.version()}, 2 participants, 640x360 video, ${TICKS} ticks back to back per page\n`,
  );
  console.log(
    '| page | main thread ms per tick | renderer process CPU ms per tick | process CPU ms per idle tick-time | added CPU at one tick per 2 s |',
  );
  console.log('|---|---|---|---|---|');
  for (const [i, page] of pages.entries()) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const a0 = await cpuSeconds(cdp);
    const w0 = performance.now();
    await page.evaluate(`(${TICK_LOOP})(${TICKS})`);
    const wall = performance.now() - w0;
    const a1 = await cpuSeconds(cdp);
    // The same length of time without the loop: what the call itself costs meanwhile.
    await new Promise((r) => setTimeout(r, wall));
    const a2 = await cpuSeconds(cdp);
    const task = ((a1.task - a0.task - (a2.task - a1.task)) * 1000) / TICKS;
    const proc = ((a1.process - a0.process - (a2.process - a1.process)) * 1000) / TICKS;
    const idle = ((a2.process - a1.process) * 1000) / TICKS;
    console.log(
      `| ${i === 0 ? 'Ada' : 'Bob'} | ${task.toFixed(2)} | ${proc.toFixed(2)} | ${idle.toFixed(2)} | ${((proc / 2000) * 100).toFixed(2)} % of a core |`,
    );
  }
  await browser.close();
  await backend.close();
  await sfu.close();
}

if (process.env.SKIP_INGEST !== '1') await ingest();
if (process.env.SKIP_BROWSER !== '1') await browserCpu();
process.exit(0);
