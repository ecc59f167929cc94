/** The proxy against the real embedded SFU (started in-process exactly as `npm start` does). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isCallsErrorBody } from '../../src/protocol/calls.ts';
import { startNodeApp, type RunningNodeApp } from '../../src/server/node.ts';
import { TOKEN_SECRET, token } from './helpers.ts';

let app: RunningNodeApp;
const dataDir = mkdtempSync(join(tmpdir(), 'calls-room-data-'));
before(async () => {
  app = await startNodeApp({ env: { TOKEN_SECRET, PORT: '0', DATA_DIR: dataDir }, port: 0 });
});
after(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (tok: string, method: string, path: string, body?: unknown) =>
  fetch(`${app.backend.url}/api/calls/${path}`, {
    method,
    headers: { authorization: `Bearer ${tok}` },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
/** The same call straight to the SFU with the app secret, to compare answers. */
const direct = (method: string, path: string, body?: unknown) =>
  fetch(`${app.callsApi}/apps/${app.settings.appId}/${path}`, {
    method,
    headers: { authorization: `Bearer ${app.settings.appSecret}` },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

void test('sessions/new and GET session go through to the embedded SFU', async () => {
  const tok = await token('sfu-room', 'ann');
  const res = await call(tok, 'POST', 'sessions/new?correlationId=t');
  assert.equal(res.status, 201);
  const { sessionId } = (await res.json()) as { sessionId: string };
  assert.match(sessionId, /^[0-9a-f]{32}$/);
  const state = await call(tok, 'GET', `sessions/${sessionId}`);
  const text = await state.text();
  assert.equal(state.status, 200, text);
  assert.ok(!text.includes(app.settings.appSecret));
});

void test('SFU errors come back exactly as the SFU sends them', async () => {
  const tok = await token('sfu-room', 'bob');
  const mine = ((await (await call(tok, 'POST', 'sessions/new')).json()) as { sessionId: string }).sessionId;
  const theirs = ((await (await direct('POST', 'sessions/new')).json()) as { sessionId: string }).sessionId;
  const bodies: unknown[] = [
    '{not json',
    { tracks: 'nope' },
    { tracks: [{ location: 'sideways', trackName: 'a' }] },
  ];
  for (const body of bodies) {
    const viaProxy = await call(tok, 'POST', `sessions/${mine}/tracks/new`, body);
    const straight = await direct('POST', `sessions/${theirs}/tracks/new`, body);
    const [p, s] = [(await viaProxy.json()) as unknown, (await straight.json()) as unknown];
    assert.equal(viaProxy.status, straight.status, JSON.stringify(p));
    assert.ok(viaProxy.status >= 400, `${viaProxy.status} ${JSON.stringify(p)}`);
    assert.ok(isCallsErrorBody(p));
    assert.deepEqual(p, s);
  }
});

void test("another user's real session cannot be closed, renegotiated or pulled from another room", async () => {
  const victimTok = await token('sfu-room', 'victim');
  const thiefTok = await token('sfu-room', 'thief');
  const outsiderTok = await token('sfu-elsewhere', 'outsider');
  const victim = ((await (await call(victimTok, 'POST', 'sessions/new')).json()) as { sessionId: string })
    .sessionId;
  const outsider = ((await (await call(outsiderTok, 'POST', 'sessions/new')).json()) as { sessionId: string })
    .sessionId;
  for (const [method, path, body] of [
    ['PUT', `sessions/${victim}/tracks/close`, { tracks: [{ mid: '0' }], force: true }],
    ['PUT', `sessions/${victim}/renegotiate`, { sessionDescription: { type: 'answer', sdp: 'v=0' } }],
    ['GET', `sessions/${victim}`, undefined],
  ] as const) {
    const res = await call(thiefTok, method, path, body);
    assert.equal(res.status, 403);
    assert.deepEqual(((await res.json()) as { errorCode: string }).errorCode, 'forbidden');
  }
  const pull = await call(outsiderTok, 'POST', `sessions/${outsider}/tracks/new`, {
    tracks: [{ location: 'remote', sessionId: victim, trackName: 'cam' }],
  });
  assert.equal(pull.status, 403);
  // The victim's session is untouched.
  assert.equal((await call(victimTok, 'GET', `sessions/${victim}`)).status, 200);
});
