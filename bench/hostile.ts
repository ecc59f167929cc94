/**
 * `npm run bench:hostile`: what one hostile request costs the server. Sends an offer of ~235 KB (hundreds of
 * m-sections) through the backend's Calls proxy to the embedded SFU, both in this process as `npm start` runs
 * them, and reports the status, the answer time, the longest event-loop stall while it was handled (a 5 ms
 * heartbeat) and the RSS growth after it (after a GC when `--expose-gc` is given). Loopback only.
 *
 * Options (env): SECTIONS (540), REPEAT (3).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startNodeApp } from '../src/server/node.ts';
import { createRoomToken } from '../src/server/tokens.ts';
import { floodOffer } from '../test/helpers/sdp-flood.ts';

const SECTIONS = Number(process.env.SECTIONS ?? 540);
const REPEAT = Number(process.env.REPEAT ?? 3);
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';

const gc = (globalThis as { gc?: () => void }).gc;
const rssMb = () => {
  gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
};

const app = await startNodeApp({
  env: { TOKEN_SECRET, RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' },
  port: 0,
});

/** The offer through the proxy with a room token, or straight to the SFU with the app secret. */
async function send(via: 'proxy' | 'sfu', sdp: string, run: number): Promise<Response> {
  const body = JSON.stringify({ sessionDescription: { type: 'offer', sdp } });
  if (via === 'sfu') {
    return fetch(`${app.callsApi}/apps/${app.settings.appId}/sessions/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.settings.appSecret}` },
      body,
    });
  }
  const { token } = await createRoomToken({
    secret: TOKEN_SECRET,
    sub: `b${run}`,
    name: 'b',
    room: 'bench',
    role: 'guest',
  });
  return fetch(`${app.backend.url}/api/calls/sessions/new`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body,
  });
}

const cases: ['proxy' | 'sfu', number][] = [
  ['proxy', SECTIONS],
  ['sfu', SECTIONS],
  ['proxy', 200],
  ['proxy', 65],
];
console.log(
  '| path | m-sections | body KB | status | answer ms (median) | longest event-loop stall ms | RSS growth MB |',
);
console.log('|---|---|---|---|---|---|---|');
let run = 0;
for (const [via, sections] of cases) {
  const sdp = floodOffer(sections);
  const times: number[] = [];
  let worstStall = 0;
  let status = 0;
  const before = rssMb();
  for (let i = 0; i < REPEAT; i++) {
    const stall = monitorEventLoopDelay({ resolution: 5 });
    stall.enable();
    const t0 = performance.now();
    const res = await send(via, sdp, ++run);
    await res.text();
    times.push(performance.now() - t0);
    stall.disable();
    worstStall = Math.max(worstStall, stall.max / 1e6);
    status = res.status;
  }
  const grown = rssMb() - before;
  times.sort((a, b) => a - b);
  const kb = (JSON.stringify({ sessionDescription: { type: 'offer', sdp } }).length / 1024).toFixed(0);
  console.log(
    `| ${via} | ${sections} | ${kb} | ${status} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${worstStall.toFixed(0)} | ${grown.toFixed(0)} |`,
  );
}
await app.close();
process.exit(0);
