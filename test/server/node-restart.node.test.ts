/** Session ownership and removals outlive a restart of the Node backend (same DATA_DIR), as in the Worker. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileRoomStore } from '../../src/server/node-store.ts';
import { startBackend } from '../../src/server/node-server.ts';
import { PresenceClient, startFakeCalls, testSettings, token } from './helpers.ts';

void test('the store replays its log, skips a torn line and compacts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-store-'));
  try {
    const a = new FileRoomStore(dir);
    a.bind('r', 's1', { sub: 'ann', role: 'guest', boundAt: 1 });
    a.bind('r', 's2', { sub: 'bob', role: 'host', boundAt: 2 });
    a.sync('r', ['s2'], ['eve']);
    appendFileSync(join(dir, 'rooms.jsonl'), '{"op":"bind","room":"r","sessi');
    const b = new FileRoomStore(dir);
    assert.deepEqual(
      [...(b.rooms().get('r')?.sessions ?? [])],
      [['s2', { sub: 'bob', role: 'host', boundAt: 2 }]],
    );
    assert.deepEqual([...(b.rooms().get('r')?.banned ?? [])], ['eve']);
    // Compacted at start: one line per live fact.
    assert.equal(readFileSync(join(dir, 'rooms.jsonl'), 'utf8').trim().split('\n').length, 2);
    b.sync('r', [], ['eve']);
    assert.equal(new FileRoomStore(dir).rooms().get('r')?.sessions.size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('after a restart owners keep their sessions, re-announcements are accepted, newcomers pull', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-data-'));
  const fake = await startFakeCalls();
  const settings = testSettings();
  const start = (port = 0) =>
    startBackend({
      settings,
      callsApi: fake.url,
      port,
      staticDir: false,
      dataDir: dir,
      tickIntervalMs: false,
    });
  const room = `restart-${process.pid}`;
  const [ann, bob, hana, cy] = await Promise.all([
    token(room, 'ann'),
    token(room, 'bob'),
    token(room, 'hana', 'host'),
    token(room, 'cy'),
  ]);
  const call = async (base: string, tok: string, method: string, path: string, body?: unknown) => {
    const send = () =>
      fetch(`${base}/api/calls/${path}`, {
        method,
        headers: { authorization: `Bearer ${tok}` },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    // A kept-alive connection to the old process may still look open: retry once on a new one, as browsers do.
    return send().catch(send);
  };
  const newSession = async (base: string, tok: string) => {
    const res = await call(base, tok, 'POST', 'sessions/new');
    assert.equal(res.status, 201);
    return ((await res.json()) as { sessionId: string }).sessionId;
  };
  const sockets: PresenceClient[] = [];
  const enter = async (base: string, tok: string) => {
    const c = await PresenceClient.connect(`${base.replace(/^http/, 'ws')}/api/rooms/${room}`);
    sockets.push(c);
    return { c, welcome: await c.join(tok) };
  };
  const camera = (sessionId: string) =>
    ({ sessionId, trackName: 'cam', kind: 'video', source: 'camera' }) as const;

  let first = await start();
  const port = first.port;
  try {
    const sa = await newSession(first.url, ann);
    const a = await enter(first.url, ann);
    a.c.send({ type: 'publish', tracks: [camera(sa)] });
    const h = await enter(first.url, hana);
    const b = await enter(first.url, bob);
    h.c.send({ type: 'remove', participantId: b.welcome.participantId });
    await b.c.waitClosed();
    await first.close();

    // Same port, same data directory: a restarted process.
    first = await start(port);
    const base = first.url;
    assert.equal((await call(base, ann, 'GET', `sessions/${sa}`)).status, 200, 'the owner still owns it');
    assert.equal((await call(base, hana, 'GET', `sessions/${sa}`)).status, 403, 'others still do not');
    assert.equal((await call(base, bob, 'POST', 'sessions/new')).status, 403, 'the removed user stays out');
    // The owner comes back (a new participant: presence itself is rebuilt) and announces its session again.
    const a2 = await enter(base, ann);
    assert.equal(a2.welcome.resumed, false);
    a2.c.send({ type: 'publish', tracks: [camera(sa)] });
    a2.c.send({ type: 'session', session: { sessionId: sa, chat: true } });
    // A newcomer sees the announcement and may pull.
    const c = await enter(base, cy);
    const announced =
      c.welcome.participants.find((p) => p.userId === 'ann')?.tracks[0] ??
      (await c.c.next('tracks-published')).tracks[0];
    assert.deepEqual(announced, camera(sa));
    const sc = await newSession(base, cy);
    const pull = { tracks: [{ location: 'remote', sessionId: sa, trackName: 'cam' }] };
    assert.equal((await call(base, cy, 'POST', `sessions/${sc}/tracks/new`, pull)).status, 200);
    assert.equal(a2.c.messages.filter((m) => m.type === 'error').length, 0, 'no re-announcement refused');
  } finally {
    for (const s of sockets) s.terminate();
    await first.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
