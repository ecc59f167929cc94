/** The room Durable Object keeps session bindings and removed users across a restart of workerd. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PresenceClient, token } from './helpers.ts';
import { startWorkerHarness } from './worker-harness.ts';

void test('bindings and removals survive a Durable Object restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-do-'));
  const room = `restart-${process.pid}`;
  const [ann, bob, host] = await Promise.all([
    token(room, 'ann'),
    token(room, 'bob'),
    token(room, 'hana', 'host'),
  ]);
  const call = (base: string, tok: string, method: string, path: string) =>
    fetch(`${base}/api/calls/${path}`, { method, headers: { authorization: `Bearer ${tok}` } });

  const first = await startWorkerHarness({}, dir);
  let sessionId: string;
  try {
    const res = await call(first.base, ann, 'POST', 'sessions/new');
    assert.equal(res.status, 201);
    sessionId = ((await res.json()) as { sessionId: string }).sessionId;
    const h = await PresenceClient.connect(`${first.wsBase}/api/rooms/${room}`);
    await h.join(host);
    const b = await PresenceClient.connect(`${first.wsBase}/api/rooms/${room}`);
    const bw = await b.join(bob);
    h.send({ type: 'remove', participantId: bw.participantId });
    await b.waitClosed();
    await h.next('participant-left');
    h.terminate();
  } finally {
    await first.close();
  }

  const second = await startWorkerHarness({}, dir);
  try {
    assert.equal(
      (await call(second.base, ann, 'GET', `sessions/${sessionId}`)).status,
      200,
      'the owner still owns it',
    );
    assert.equal(
      (await call(second.base, host, 'GET', `sessions/${sessionId}`)).status,
      403,
      'others still do not',
    );
    assert.equal(
      (await call(second.base, bob, 'POST', 'sessions/new')).status,
      403,
      'the removed user stays out',
    );
  } finally {
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
