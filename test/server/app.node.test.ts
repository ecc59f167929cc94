/** Hono app details: CORS and origins, ICE servers (TURN via a stubbed fetch), presence origin check. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApp, type RoomsBackend } from '../../src/server/app.ts';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { PresenceClient, testSettings, token } from './helpers.ts';

const rooms: RoomsBackend = {
  bindSession: () => Promise.resolve({ ok: true }),
  authorize: () => Promise.resolve({ ok: true }),
};

void test('CORS answers allowed origins only', async () => {
  const app = createApp({
    settings: testSettings({ ALLOWED_ORIGINS: 'https://good.example' }),
    rooms,
    callsApi: 'http://x/v1',
  });
  const pre = (origin: string) =>
    app.request('/api/calls/sessions/new', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
  assert.equal(
    (await pre('https://good.example')).headers.get('access-control-allow-origin'),
    'https://good.example',
  );
  assert.equal((await pre('https://evil.example')).headers.get('access-control-allow-origin'), null);
});

void test('ICE servers: TURN credentials for token holders, port 53 dropped, the TURN token never returned', async () => {
  const turnToken = 'turn-api-token-secret';
  const seen: { url: string; auth: string | null }[] = [];
  const fakeFetch: typeof fetch = (input, init) => {
    seen.push({
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      auth: new Headers(init?.headers).get('authorization'),
    });
    return Promise.resolve(
      Response.json(
        {
          iceServers: [
            { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.cloudflare.com:53'] },
            {
              urls: [
                'turn:turn.cloudflare.com:3478?transport=udp',
                'turn:turn.cloudflare.com:53?transport=udp',
              ],
              username: 'u',
              credential: 'c',
            },
          ],
        },
        { status: 201 },
      ),
    );
  };
  const settings = testSettings({ TURN_KEY_ID: 'key1', TURN_KEY_API_TOKEN: turnToken });
  const app = createApp({ settings, rooms, callsApi: 'http://x/v1', fetch: fakeFetch });
  assert.equal((await app.request('/api/ice-servers')).status, 401);
  const res = await app.request('/api/ice-servers', {
    headers: { authorization: `Bearer ${await token('r', 'ann')}` },
  });
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.ok(!text.includes(turnToken));
  assert.deepEqual(JSON.parse(text), {
    iceServers: [
      { urls: ['stun:stun.cloudflare.com:3478'] },
      { urls: ['turn:turn.cloudflare.com:3478?transport=udp'], username: 'u', credential: 'c' },
    ],
  });
  assert.equal(
    seen[0]?.url,
    'https://rtc.live.cloudflare.com/v1/turn/keys/key1/credentials/generate-ice-servers',
  );
  assert.equal(seen[0]?.auth, `Bearer ${turnToken}`);
  // Without TURN: nothing needed for the embedded SFU, Cloudflare STUN against Cloudflare.
  const plain = createApp({ settings: testSettings(), rooms, callsApi: 'http://x/v1' });
  assert.deepEqual(await (await plain.request('/api/ice-servers')).json(), {
    iceServers: [{ urls: ['stun:stun.cloudflare.com:3478'] }],
  });
});

void test('open tokens off: /api/token is not_found', async () => {
  const app = createApp({ settings: testSettings({ OPEN_TOKENS: 'false' }), rooms, callsApi: 'http://x/v1' });
  const res = await app.request('/api/token', {
    method: 'POST',
    body: JSON.stringify({ room: 'r', name: 'A' }),
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { errorCode: string }).errorCode, 'not_found');
});

let backend: RunningBackend;
before(async () => {
  backend = await startBackend({
    settings: testSettings({ ALLOWED_ORIGINS: 'https://good.example' }),
    callsApi: 'http://127.0.0.1:9/v1',
    port: 0,
    staticDir: false,
    tickIntervalMs: false,
  });
});
after(() => backend.close());

void test('presence sockets from other origins are refused; plain HTTP gets 426', async () => {
  const ws = `${backend.url.replace(/^http/, 'ws')}/api/rooms/lobby`;
  await assert.rejects(PresenceClient.connect(ws, { origin: 'https://evil.example' }), /HTTP 403/);
  const ok = await PresenceClient.connect(ws, { origin: 'https://good.example' });
  const welcome = await ok.join(await token('lobby', 'ann'));
  assert.equal(welcome.room, 'lobby');
  ok.close();
  assert.equal((await fetch(`${backend.url}/api/rooms/lobby`)).status, 426);
  await assert.rejects(
    PresenceClient.connect(`${backend.url.replace(/^http/, 'ws')}/api/rooms/bad%20name`),
    /HTTP 404/,
  );
});

void test('the built demo is served at / beside the API', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-demo-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>demo</title>');
  const withDemo = await startBackend({
    settings: testSettings(),
    callsApi: 'http://127.0.0.1:9/v1',
    port: 0,
    staticDir: dir,
    tickIntervalMs: false,
  });
  try {
    const page = await fetch(`${withDemo.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>demo<\/title>/);
    assert.deepEqual(await (await fetch(`${withDemo.url}/api/health`)).json(), { ok: true });
  } finally {
    await withDemo.close();
  }
});

void test('the app secret reaches the Calls API only: never a response, never a log line', async () => {
  const settings = testSettings();
  const lines: string[] = [];
  const upstreamAuth: (string | null)[] = [];
  const echoing: typeof fetch = (_input, init) => {
    upstreamAuth.push(new Headers(init?.headers).get('authorization'));
    // A misbehaving upstream that echoes the secret back: the proxy redacts it.
    return Promise.resolve(
      Response.json({ sessionId: 'abc', debug: `seen ${settings.appSecret}` }, { status: 201 }),
    );
  };
  const app = createApp({
    settings,
    rooms,
    callsApi: 'http://x/v1',
    fetch: echoing,
    log: (l) => lines.push(l),
  });
  const res = await app.request('/api/calls/sessions/new', {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('r', 'ann')}` },
  });
  const text = await res.text();
  assert.equal(res.status, 201);
  assert.equal(upstreamAuth[0], `Bearer ${settings.appSecret}`);
  assert.ok(!text.includes(settings.appSecret), text);
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => !l.includes(settings.appSecret) && !l.includes(settings.tokenSecret)));
});

void test('a chunked body without Content-Length is cut off at the size limit', async () => {
  const app = createApp({
    settings: testSettings({ MAX_BODY_BYTES: '4096' }),
    rooms,
    callsApi: 'http://x/v1',
  });
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      if (pulled > 1000) controller.close();
      else controller.enqueue(new Uint8Array(1024).fill(32));
    },
  });
  const res = await app.request('/api/calls/sessions/abc/tracks/new', {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('r', 'ann')}` },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { errorCode: string }).errorCode, 'payload_too_large');
  assert.ok(pulled < 100, `read ${pulled} KiB before refusing`);
});
