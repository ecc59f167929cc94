/**
 * The support line over its WebSocket, on Node and on the Worker in workerd: a restart of the backend (Node:
 * same DATA_DIR; Workers: the Durable Object over the same storage) loses neither a waiting customer nor a
 * call in progress; hostile input gets clear errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { LineClientMessage, LineServerMessage } from '../../src/protocol/queue.ts';
import { startBackend } from '../../src/server/node-server.ts';
import { createRoomToken } from '../../src/server/tokens.ts';
import { waitFor } from '../helpers/wait.ts';
import { HARNESS_ENV } from './harness.ts';
import { TOKEN_SECRET, startFakeCalls, testSettings } from './helpers.ts';
import { startWorkerHarness } from './worker-harness.ts';

class LineClient {
  readonly messages: LineServerMessage[] = [];
  closed: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(JSON.parse((d as Buffer).toString()) as LineServerMessage));
    ws.on('close', (code) => (this.closed = code));
  }
  static async open(base: string, queue: string): Promise<LineClient> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/queues/${queue}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new LineClient(ws);
  }
  send(m: LineClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }
  next<T extends LineServerMessage['type']>(type: T, from = 0) {
    return waitFor(
      () =>
        this.messages
          .slice(from)
          .filter((m): m is Extract<LineServerMessage, { type: T }> => m.type === type)
          .at(-1),
      `a ${type} message`,
      { timeoutMs: 10_000, lastSeen: () => this.messages.slice(-3) },
    );
  }
}

const tok = async (sub: string, agent = false) =>
  (await createRoomToken({ secret: TOKEN_SECRET, sub, name: sub, room: 'support', role: 'guest', agent }))
    .token;

interface Backend {
  base: string;
  close(): Promise<void>;
}

async function scenario(start: () => Promise<Backend>): Promise<void> {
  const [agentToken, annToken, bobToken] = await Promise.all([tok('agnes', true), tok('ann'), tok('bob')]);
  const first = await start();
  const agent = await LineClient.open(first.base, 'support');
  agent.send({ type: 'agent', token: agentToken });
  await agent.next('line');
  const ann = await LineClient.open(first.base, 'support');
  ann.send({ type: 'enqueue', token: annToken, metadata: { order: 'A-1' } });
  const annWaiting = await ann.next('waiting');
  const bob = await LineClient.open(first.base, 'support');
  bob.send({ type: 'enqueue', token: bobToken });
  const bobWaiting = await bob.next('waiting');
  assert.equal(bobWaiting.position, 2);
  agent.send({ type: 'answer', ticketId: annWaiting.ticketId });
  const call = await agent.next('call');
  assert.deepEqual(call.customer, { name: 'ann', metadata: { order: 'A-1' } });
  const answered = await ann.next('answered');
  assert.equal(answered.room, call.room);
  await waitFor(() => bob.messages.some((m) => m.type === 'waiting' && m.position === 1), 'bob first');
  await first.close();

  const second = await start();
  try {
    const agent2 = await LineClient.open(second.base, 'support');
    agent2.send({ type: 'agent', token: agentToken });
    assert.equal((await agent2.next('call')).room, call.room, 'the agent has the call back');
    const bob2 = await LineClient.open(second.base, 'support');
    bob2.send({
      type: 'enqueue',
      token: bobToken,
      resume: { ticketId: bobWaiting.ticketId, key: bobWaiting.key },
    });
    assert.equal((await bob2.next('waiting')).position, 1, 'bob is still waiting, first in line');
    const ann2 = await LineClient.open(second.base, 'support');
    ann2.send({
      type: 'enqueue',
      token: annToken,
      resume: { ticketId: annWaiting.ticketId, key: annWaiting.key },
    });
    assert.equal((await ann2.next('answered')).room, call.room, 'ann is still in her call');
    // Hostile input: clear errors.
    const eve = await LineClient.open(second.base, 'support');
    eve.send({ type: 'enqueue', token: await tok('eve'), metadata: { nested: { no: 1 } } });
    assert.equal((await eve.next('error')).code, 'invalid-metadata');
    eve.send('not json' as unknown as Record<string, unknown>);
    eve.ws.send('{"type":"answer","ticketId":"x"}');
    await waitFor(
      () => eve.messages.some((m) => m.type === 'error' && m.code === 'not-joined'),
      'not-joined',
    );
    eve.ws.send(JSON.stringify({ type: 'cancel', pad: 'x'.repeat(5000) }));
    await waitFor(
      () => eve.messages.some((m) => m.type === 'error' && /limited to 4096/.test(m.message)),
      'a too-large message refused',
    );
    const plain = await fetch(`${second.base}/api/queues/support`);
    assert.equal(plain.status, 426);
    assert.equal(((await plain.json()) as { errorCode: string }).errorCode, 'invalid_params');
    assert.equal((await fetch(`${second.base}/api/queues/no%20such`)).status, 404);
    const mallory = await LineClient.open(second.base, 'support');
    mallory.send({ type: 'agent', token: await tok('mallory') });
    assert.equal((await mallory.next('error')).code, 'not-agent');
    await waitFor(() => mallory.closed !== undefined, 'mallory closed');
    for (const c of [agent2, bob2, ann2, eve]) c.ws.close();
  } finally {
    await second.close();
  }
}

void describe('support line restart', () => {
  void it('Node: a backend restart over the same DATA_DIR keeps the waiting customer and the call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calls-line-'));
    const fake = await startFakeCalls();
    try {
      await scenario(async () => {
        const backend = await startBackend({
          settings: testSettings(HARNESS_ENV),
          callsApi: fake.url,
          port: 0,
          staticDir: false,
          dataDir: dir,
        });
        return { base: backend.url, close: () => backend.close() };
      });
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('Workers: the queue Durable Object restarted over the same storage keeps both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calls-line-do-'));
    try {
      await scenario(async () => {
        const h = await startWorkerHarness({}, dir);
        return { base: h.base, close: () => h.close() };
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
