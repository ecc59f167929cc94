/**
 * `npm run bench:presence`: 1,000 presence WebSocket clients in 50 rooms against the Node backend (run in its
 * own process, so its RSS is the server's alone). Measures join time, the latency from a `publish` to its
 * `tracks-published` reaching every other member of the room, and server RSS. Loopback only; bounded.
 *
 * Options (env): CLIENTS (1000), ROOMS (50), PUBLISHES_PER_ROOM (20).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ServerMessage } from '../src/protocol/presence.ts';

const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';

if (process.argv[2] === 'server') {
  await runServer();
} else {
  await runBench();
}

/** Child process: the backend with a stand-in Calls API (only `sessions/new` is used, to bind sessions). */
async function runServer(): Promise<void> {
  const { startBackend } = await import('../src/server/node-server.ts');
  const { parseSettings } = await import('../src/server/settings.ts');
  let n = 0;
  const fake = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sessionId: (++n).toString(16).padStart(32, '0') }));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const callsApi = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
  const settings = parseSettings(
    {
      CALLS_API: callsApi,
      CALLS_APP_ID: 'bench',
      CALLS_APP_SECRET: 'bench-secret',
      TOKEN_SECRET,
      RATE_LIMIT_PER_SECOND: '1000',
      RATE_LIMIT_BURST: '1000',
    },
    'node',
  );
  const backend = await startBackend({ settings, callsApi, port: 0, staticDir: false });
  process.stdout.write(`${backend.url}\n`);
  process.on('SIGTERM', () => {
    void backend.close().then(() => process.exit(0));
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** User+system CPU seconds of a process. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Client {
  ws: WebSocket;
  room: string;
  sub: string;
  participantId: string;
  token: string;
  onMessage: ((m: ServerMessage, at: number) => void) | undefined;
}

async function runBench(): Promise<void> {
  const CLIENTS = Number(process.env.CLIENTS ?? 1000);
  const ROOMS = Number(process.env.ROOMS ?? 50);
  const PUBLISHES = Number(process.env.PUBLISHES_PER_ROOM ?? 20);
  const { createRoomToken } = await import('../src/server/tokens.ts');

  const profile = process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=bench/.out'] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), 'server'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const wsBase = url.replace(/^http/, 'ws');
  const rssIdle = rssOf(child.pid!);

  // Join: all clients, 100 connecting at a time.
  const clients: Client[] = [];
  const joinTimes: number[] = [];
  const heartbeats: ReturnType<typeof setInterval>[] = [];
  const joinStart = performance.now();
  const connectOne = async (i: number): Promise<Client> => {
    const room = `bench-${i % ROOMS}`;
    const sub = `user-${i}`;
    const { token } = await createRoomToken({ secret: TOKEN_SECRET, sub, name: sub, room, role: 'guest' });
    const t0 = performance.now();
    const ws = new WebSocket(`${wsBase}/api/rooms/${room}`);
    const client: Client = { ws, room, sub, participantId: '', token, onMessage: undefined };
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'join', token })));
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        const m = JSON.parse(data.toString()) as ServerMessage;
        if (m.type === 'welcome') {
          client.participantId = m.participantId;
          joinTimes.push(at - t0);
          // Heartbeats every 5 s from the welcome on, as a real client does (so they are spread out too).
          heartbeats.push(setInterval(() => ws.send('{"type":"heartbeat"}'), 5000));
          resolve();
        } else if (m.type === 'error') {
          reject(new Error(`${sub}: ${m.code} ${m.message}`));
        }
        client.onMessage?.(m, at);
      });
    });
    return client;
  };
  for (let i = 0; i < CLIENTS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, CLIENTS - i) }, (_, k) => connectOne(i + k)),
    );
    clients.push(...batch);
  }
  const joinAllMs = performance.now() - joinStart;
  const rssJoined = rssOf(child.pid!);

  // Publish: per room, members take turns publishing; each waits until every other member has the broadcast.
  const byRoom = new Map<string, Client[]>();
  for (const c of clients) byRoom.set(c.room, [...(byRoom.get(c.room) ?? []), c]);
  // Calls sessions first (through the proxy, which binds them to their users), so the timed part is presence only.
  const sessionOf = new Map<Client, string>();
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(
      clients.slice(i, i + 50).map(async (c) => {
        const res = await fetch(`${url}/api/calls/sessions/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${c.token}` },
        });
        sessionOf.set(c, ((await res.json()) as { sessionId: string }).sessionId);
      }),
    );
  }
  /**
   * Members take turns publishing; each publish waits until every other member has the broadcast. `pace`
   * adds a random 100-300 ms pause between a room's publishes (rooms drift apart, as real ones do); without
   * it all rooms publish in lockstep, the worst case burst.
   */
  let seq = 0;
  let lost = 0;
  const PUBLISH_TIMEOUT_MS = 10_000;
  const publishIn = async (members: Client[], latencies: number[], pace: boolean) => {
    for (let k = 0; k < PUBLISHES; k++) {
      if (pace) await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      const publisher = members[k % members.length]!;
      const sessionId = sessionOf.get(publisher)!;
      const others = members.filter((m) => m !== publisher);
      const trackName = `cam-${++seq}`;
      const t0 = performance.now();
      const done = Promise.all(
        others.map(
          (m) =>
            new Promise<number>((resolve) => {
              m.onMessage = (msg, at) => {
                if (msg.type === 'tracks-published' && msg.tracks[0]?.trackName === trackName) {
                  m.onMessage = undefined;
                  resolve(at);
                }
              };
            }),
        ),
      );
      publisher.ws.send(
        JSON.stringify({
          type: 'publish',
          tracks: [
            {
              sessionId,
              trackName,
              kind: 'video',
              source: 'camera',
              simulcast: [{ rid: 'f' }, { rid: 'h' }],
            },
          ],
        }),
      );
      const arrivals = await Promise.race([
        done,
        new Promise<undefined>((resolve) =>
          AbortSignal.timeout(PUBLISH_TIMEOUT_MS).addEventListener('abort', () => resolve(undefined)),
        ),
      ]);
      if (!arrivals) {
        // Bounded: a broadcast that never completes is counted, and the bench goes on.
        lost++;
        for (const m of others) m.onMessage = undefined;
        continue;
      }
      latencies.push(Math.max(...arrivals) - t0);
    }
  };
  const serverCpu0 = cpuOf(child.pid!);
  const benchCpu0 = process.cpuUsage();
  const pubStart = performance.now();
  const paced: number[] = [];
  await Promise.all([...byRoom.values()].map((m) => publishIn(m, paced, true)));
  const pacedMs = performance.now() - pubStart;
  const burst: number[] = [];
  const burstStart = performance.now();
  await Promise.all([...byRoom.values()].map((m) => publishIn(m, burst, false)));
  const burstMs = performance.now() - burstStart;
  const serverCpu = cpuOf(child.pid!) - serverCpu0;
  const benchCpuUsage = process.cpuUsage(benchCpu0);
  const benchCpu = (benchCpuUsage.user + benchCpuUsage.system) / 1e6;
  const rssAfter = rssOf(child.pid!);
  for (const t of heartbeats) clearInterval(t);

  paced.sort((a, b) => a - b);
  burst.sort((a, b) => a - b);
  joinTimes.sort((a, b) => a - b);
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const rows: [string, string][] = [
    ['clients / rooms', `${CLIENTS} / ${ROOMS} (${CLIENTS / ROOMS} per room)`],
    ['all joined (welcome received)', `${joinAllMs.toFixed(0)} ms`],
    [
      'join p50 / p99 (connect to welcome)',
      `${percentile(joinTimes, 50).toFixed(1)} / ${percentile(joinTimes, 99).toFixed(1)} ms`,
    ],
    ['paced: publishes (100-300 ms apart per room)', `${paced.length} in ${pacedMs.toFixed(0)} ms`],
    [
      'paced: publish -> whole room p50 / p99',
      `${percentile(paced, 50).toFixed(2)} / ${percentile(paced, 99).toFixed(2)} ms`,
    ],
    ['paced: max', `${(paced.at(-1) ?? NaN).toFixed(2)} ms`],
    ['burst: publishes (all rooms in lockstep)', `${burst.length} in ${burstMs.toFixed(0)} ms`],
    [
      'burst: publish -> whole room p50 / p99',
      `${percentile(burst, 50).toFixed(2)} / ${percentile(burst, 99).toFixed(2)} ms`,
    ],
    ['publishes not delivered to everyone within 10 s', String(lost)],
    ['CPU during publishes: server / clients', `${serverCpu.toFixed(2)} s / ${benchCpu.toFixed(2)} s`],
    ['server RSS idle / joined / after', `${mb(rssIdle)} / ${mb(rssJoined)} / ${mb(rssAfter)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\npresence benchmark (node ${process.version})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

  for (const c of clients) c.ws.terminate();
  stop();
  process.exit(joinAllMs <= 10_000 && lost === 0 ? 0 : 1);
}
