/**
 * `npm run bench:sfu`: one publisher (VP8 ~1.5 Mbps from a generated Y4M camera, plus Opus) to N subscribers,
 * N = 1, 5, 10, 20, through the embedded SFU, in real Chromium without network test flags (scripts/in-netns.sh:
 * a private namespace with a veth pair; the SFU announces its interface addresses). Per row: server CPU µs
 * per forwarded RTP packet, server RSS, subscriber fps, time from the pull request to the first decoded frame.
 * The SFU runs in this process; the browsers are separate processes. Stops early when the machine saturates.
 *
 * Options (env): COUNTS ("1,5,10,20"), WINDOW_S (10), CHROME_PATH.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { startSfu } from '../src/sfu/server.ts';
import { makeY4m } from './y4m.ts';
import { CHROMIUM_ARGS as ARGS, findChrome } from '../scripts/find-chrome.mjs';

const COUNTS = (process.env.COUNTS ?? '1,5,10,20').split(',').map(Number);
const WINDOW_S = Number(process.env.WINDOW_S ?? '10');

interface Row {
  subscribers: number;
  cpuUsPerPacket: number;
  serverCpuPct: number;
  forwardedPps: number;
  rssMb: number;
  fpsAvg: number;
  fpsMin: number;
  pullToFrameP50: number;
  pullToFrameMax: number;
  machineLoad: number;
  publisherKbps: number;
}

const executablePath = findChrome();
if (!executablePath) throw new Error('No Chromium: apt-get install -y chromium, or set CHROME_PATH');
const y4m = await makeY4m(join(tmpdir(), 'calls-room-bench-640x360.y4m'));
const sfu = await startSfu({ port: 0 });
const base = `${sfu.url}/apps/${sfu.appId}`;
const secret = sfu.appSecret;

const pubBrowser = await chromium.launch({
  executablePath,
  headless: true,
  args: [...ARGS, `--use-file-for-fake-video-capture=${y4m}`],
});
const subBrowser = await chromium.launch({ executablePath, headless: true, args: ARGS });
const rows: Row[] = [];
try {
  const pubPage = await open(pubBrowser);
  const pubSession = await pubPage.evaluate(publish, { base, secret });
  // Let the publisher's bandwidth estimate reach its configured bitrate.
  let kbps = 0;
  for (let i = 0; i < 20 && kbps < 1200; i++) kbps = await pubPage.evaluate(publisherKbps);
  console.log(`publisher session ${pubSession}: ${kbps.toFixed(0)} kbps`);

  for (const n of COUNTS) {
    const page = await open(subBrowser);
    const ttff = await page.evaluate(subscribe, { base, secret, pubSession, n });
    if (process.env.PHASES)
      console.log(
        JSON.stringify(await page.evaluate(() => (window as unknown as { phases: unknown }).phases)),
      );
    const cpu0 = process.cpuUsage();
    const fwd0 = sfu.stats().forwardedPackets;
    const frames0 = await page.evaluate(framesDecoded);
    const t0 = performance.now();
    const load0 = busy();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000)); // a measuring window, not a test wait
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const forwarded = sfu.stats().forwardedPackets - fwd0;
    const frames1 = await page.evaluate(framesDecoded);
    const fps = frames1.map((f, i) => (f - (frames0[i] ?? 0)) / seconds);
    const cpuUs = cpu.user + cpu.system;
    const sorted = [...ttff].sort((a, b) => a - b);
    const row: Row = {
      subscribers: n,
      cpuUsPerPacket: cpuUs / Math.max(1, forwarded),
      serverCpuPct: (cpuUs / 1e6 / seconds) * 100,
      forwardedPps: forwarded / seconds,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      fpsAvg: fps.reduce((a, b) => a + b, 0) / fps.length,
      fpsMin: Math.min(...fps),
      pullToFrameP50: sorted[Math.floor((sorted.length - 1) / 2)]!,
      pullToFrameMax: sorted[sorted.length - 1]!,
      machineLoad: busy(load0),
      publisherKbps: await pubPage.evaluate(publisherKbps),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    if (process.env.PHASES) console.log(JSON.stringify(await pubPage.evaluate(publisherState)));
    await page.evaluate(unsubscribe, { base, secret });
    await page.close();
    if (row.fpsMin < 20) {
      console.log(
        `stopping at N=${n}: the machine is saturated (load ${(row.machineLoad * 100).toFixed(0)} %, min fps ${row.fpsMin.toFixed(1)})`,
      );
      break;
    }
  }
} finally {
  await pubBrowser.close();
  await subBrowser.close();
  await sfu.close();
}

const header =
  '| subscribers | server CPU µs / forwarded pkt | server CPU % of one core | forwarded pkt/s | server RSS MB | subscriber fps avg / min | pull → first frame p50 / max (ms) | machine busy % |';
const lines = rows.map(
  (r) =>
    `| ${r.subscribers} | ${r.cpuUsPerPacket.toFixed(1)} | ${r.serverCpuPct.toFixed(1)} | ${r.forwardedPps.toFixed(0)} | ${r.rssMb.toFixed(0)} | ${r.fpsAvg.toFixed(1)} / ${r.fpsMin.toFixed(1)} | ${r.pullToFrameP50.toFixed(0)} / ${r.pullToFrameMax.toFixed(0)} | ${(r.machineLoad * 100).toFixed(0)} |`,
);
console.log(['', header, '|---|---|---|---|---|---|---|---|', ...lines].join('\n'));
mkdirSync('bench/.out', { recursive: true });
writeFileSync(
  'bench/.out/sfu.json',
  JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, rows }, null, 2),
);

async function open(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx compiles with esbuild's keepNames, whose `__name` helper the functions handed to the page call.
  await context.addInitScript('window.__name = (f) => f');
  const page = await context.newPage();
  await page.goto(`${sfu.url}/`); // any page on 127.0.0.1 is a secure context
  return page;
}

/** Fraction of the machine's CPU that was busy since `since` (from /proc/stat), or now over the last minute. */
function busy(): number[];
function busy(since: number[]): number;
function busy(since?: number[]): number | number[] {
  const read = (): number[] => {
    try {
      const text = readFileSync('/proc/stat', 'utf8');
      const nums = text.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      return nums;
    } catch {
      return [loadavg()[0]! / cpus().length];
    }
  };
  const now = read();
  if (!since) return now;
  if (now.length < 5) return now[0]!;
  const idle = (a: number[]) => a[3]! + a[4]!;
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const dt = total(now) - total(since);
  return dt > 0 ? 1 - (idle(now) - idle(since)) / dt : 0;
}

// ---- code that runs in the pages -----------------------------------------------------------------------

async function publish({ base, secret }: { base: string; secret: string }): Promise<string> {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${secret}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).then((r) => r.json() as Promise<unknown>);
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360, frameRate: 30 },
    audio: true,
  });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const { sessionId } = (await call('POST', '/sessions/new')) as { sessionId: string };
  const v = pc.addTransceiver(stream.getVideoTracks()[0]!, {
    direction: 'sendonly',
    sendEncodings: [{ maxBitrate: 1_500_000 }],
  });
  const codecs = RTCRtpSender.getCapabilities('video')!.codecs;
  v.setCodecPreferences([
    ...codecs.filter((c) => c.mimeType === 'video/VP8'),
    ...codecs.filter((c) => c.mimeType !== 'video/VP8'),
  ]);
  const a = pc.addTransceiver(stream.getAudioTracks()[0]!, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const res = (await call('POST', `/sessions/${sessionId}/tracks/new`, {
    sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
    tracks: [
      { location: 'local', mid: v.mid, trackName: 'cam' },
      { location: 'local', mid: a.mid, trackName: 'mic' },
    ],
  })) as { sessionDescription: RTCSessionDescriptionInit };
  await pc.setRemoteDescription(res.sessionDescription);
  (window as unknown as { pub: RTCPeerConnection }).pub = pc;
  return sessionId;
}

/** Video kbps the publisher sent over the last second. */
async function publisherKbps(): Promise<number> {
  const pc = (window as unknown as { pub: RTCPeerConnection }).pub;
  const bytes = async () => {
    let n = 0;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') n += Number(s.bytesSent ?? 0);
    });
    return n;
  };
  const b0 = await bytes();
  await new Promise((r) => setTimeout(r, 1000));
  return (((await bytes()) - b0) * 8) / 1000;
}

/** Why the publisher sends what it sends: Chrome's quality limitation and bandwidth estimate. */
async function publisherState(): Promise<Record<string, unknown>> {
  const pc = (window as unknown as { pub: RTCPeerConnection }).pub;
  const out: Record<string, unknown> = {};
  (await pc.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      Object.assign(out, {
        limitation: s.qualityLimitationReason,
        durations: s.qualityLimitationDurations,
        width: s.frameWidth,
        fps: s.framesPerSecond,
      });
    }
    if (s.type === 'candidate-pair' && s.nominated) out.availableOutgoingBitrate = s.availableOutgoingBitrate;
  });
  return out;
}

async function subscribe({
  base,
  secret,
  pubSession,
  n,
}: {
  base: string;
  secret: string;
  pubSession: string;
  n: number;
}): Promise<number[]> {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${secret}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }).then((r) => r.json() as Promise<unknown>);
  const subs: { pc: RTCPeerConnection; sessionId: string; mids: string[] }[] = [];
  const phases: { renegotiated: number; connected: number; frame: number }[] = [];
  (window as unknown as { phases: typeof phases }).phases = phases;
  (window as unknown as { subs: typeof subs }).subs = subs;
  const one = async (): Promise<number> => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const { sessionId } = (await call('POST', '/sessions/new')) as { sessionId: string };
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    document.body.append(video);
    const firstFrame = new Promise<number>((resolve) =>
      video.requestVideoFrameCallback(() => resolve(performance.now())),
    );
    pc.addEventListener('track', (e) => {
      if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]);
    });
    const t0 = performance.now();
    const res = (await call('POST', `/sessions/${sessionId}/tracks/new`, {
      tracks: [
        { location: 'remote', sessionId: pubSession, trackName: 'cam' },
        { location: 'remote', sessionId: pubSession, trackName: 'mic' },
      ],
    })) as { sessionDescription: RTCSessionDescriptionInit; tracks: { mid: string }[] };
    await pc.setRemoteDescription(res.sessionDescription);
    await pc.setLocalDescription(await pc.createAnswer());
    await call('PUT', `/sessions/${sessionId}/renegotiate`, {
      sessionDescription: { type: 'answer', sdp: pc.localDescription!.sdp },
    });
    const tRenegotiated = performance.now();
    const connected = new Promise<number>((resolve) => {
      const check = () => pc.connectionState === 'connected' && resolve(performance.now());
      pc.addEventListener('connectionstatechange', check);
      check();
    });
    subs.push({ pc, sessionId, mids: res.tracks.map((t) => t.mid) });
    const frame = await firstFrame;
    const c = await connected;
    phases.push({ renegotiated: tRenegotiated - t0, connected: c - t0, frame: frame - t0 });
    return frame - t0;
  };
  return Promise.all(Array.from({ length: n }, one));
}

async function framesDecoded(): Promise<number[]> {
  const subs = (window as unknown as { subs: { pc: RTCPeerConnection }[] }).subs;
  return Promise.all(
    subs.map(async ({ pc }) => {
      let f = 0;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') f += Number(s.framesDecoded ?? 0);
      });
      return f;
    }),
  );
}

async function unsubscribe({ base, secret }: { base: string; secret: string }): Promise<void> {
  const subs = (window as unknown as { subs: { pc: RTCPeerConnection; sessionId: string; mids: string[] }[] })
    .subs;
  await Promise.all(
    subs.map(async ({ pc, sessionId, mids }) => {
      await fetch(`${base}/sessions/${sessionId}/tracks/close`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${secret}` },
        body: JSON.stringify({ tracks: mids.map((mid) => ({ mid })), force: true }),
      });
      pc.close();
    }),
  );
}
