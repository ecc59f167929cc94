/** The line's socket host: token checks, the agent claim, rate limits, join timeout, store-before-send. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { LineServerMessage } from '../../src/protocol/queue.ts';
import type { LineEvent } from '../../src/server/line-events.ts';
import { SupportLineHost, type LineSocket } from '../../src/server/support-line-host.ts';
import { createRoomToken, verifyRoomToken } from '../../src/server/tokens.ts';
import { FakeClock, TOKEN_SECRET } from './helpers.ts';

class FakeSocket implements LineSocket {
  readonly got: LineServerMessage[] = [];
  closed: number | undefined;
  constructor(private readonly log?: string[]) {}
  send(text: string): void {
    const m = JSON.parse(text) as LineServerMessage;
    this.log?.push(`send ${m.type}`);
    this.got.push(m);
  }
  close(code: number): void {
    this.closed = code;
  }
  last() {
    return this.got.at(-1);
  }
}

const tok = async (sub: string, options: { agent?: boolean; room?: string } = {}) =>
  (
    await createRoomToken({
      secret: TOKEN_SECRET,
      sub,
      name: sub,
      room: options.room ?? 'support',
      role: 'guest',
      ...(options.agent ? { agent: true } : {}),
    })
  ).token;

function host(clock = new FakeClock(), log?: string[], events?: LineEvent[]) {
  return new SupportLineHost({
    ...(events ? { events: { record: (e: LineEvent) => events.push(e) } } : {}),
    queue: 'support',
    tokenSecret: TOKEN_SECRET,
    maxWaiting: 10,
    maxWaitMs: 600_000,
    graceMs: 15_000,
    tokenTtlSeconds: 3600,
    now: clock.now,
    ...(log ? { persist: () => log.push('persist') } : {}),
  });
}

void describe('SupportLineHost', () => {
  void it('the agent claim: minted by createRoomToken, required to sign in as an agent', async () => {
    const claims = await verifyRoomToken(await tok('agnes', { agent: true }), TOKEN_SECRET);
    assert.equal(claims.agent, true);
    assert.equal((await verifyRoomToken(await tok('ann'), TOKEN_SECRET)).agent, undefined);
    const bad = await new SignJWT({ name: 'x', room: 'support', role: 'guest', agent: 'yes' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TOKEN_SECRET));
    await assert.rejects(verifyRoomToken(bad, TOKEN_SECRET), /bad agent claim/);

    const h = host();
    const s = new FakeSocket();
    await h.receive(h.open(s), JSON.stringify({ type: 'agent', token: await tok('mallory') }));
    assert.equal((s.last() as { code?: string }).code, 'not-agent');
    assert.equal(s.closed, 4004);
  });

  void it('refuses tokens for another queue, and sockets that never say who they are', async () => {
    const clock = new FakeClock();
    const h = host(clock);
    const s = new FakeSocket();
    await h.receive(
      h.open(s),
      JSON.stringify({ type: 'enqueue', token: await tok('ann', { room: 'sales' }) }),
    );
    assert.deepEqual(s.last(), {
      type: 'error',
      code: 'unauthorized',
      message: 'token is for another room',
      ref: 'enqueue',
      fatal: true,
    });
    assert.equal(s.closed, 4001);
    const idle = new FakeSocket();
    h.open(idle);
    clock.advance(10_001);
    await h.tick();
    assert.equal(idle.closed, 4001);
  });

  void it('limits enqueues per user per minute and messages per socket', async () => {
    const clock = new FakeClock();
    const h = host(clock);
    const agent = new FakeSocket();
    await h.receive(
      h.open(agent),
      JSON.stringify({ type: 'agent', token: await tok('agnes', { agent: true }) }),
    );
    const ann = await tok('ann');
    for (let i = 0; i < 6; i++) {
      const s = new FakeSocket();
      const conn = h.open(s);
      await h.receive(conn, JSON.stringify({ type: 'enqueue', token: ann }));
      assert.equal(s.last()?.type, 'waiting', `enqueue ${i}`);
      await h.closed(conn, 1000);
    }
    const seventh = new FakeSocket();
    await h.receive(h.open(seventh), JSON.stringify({ type: 'enqueue', token: ann }));
    assert.equal((seventh.last() as { code?: string }).code, 'rate-limited');
    clock.advance(60_001);
    const later = new FakeSocket();
    await h.receive(h.open(later), JSON.stringify({ type: 'enqueue', token: ann }));
    assert.equal(later.last()?.type, 'waiting', 'a minute later it works again');

    const flood = new FakeSocket();
    const conn = h.open(flood);
    for (let i = 0; i < 40; i++) void h.receive(conn, '{"type":"heartbeat"}');
    await h.receive(conn, '{"type":"heartbeat"}');
    assert.ok(flood.got.some((m) => m.type === 'error' && m.code === 'rate-limited'));
  });

  void it('stores the line before anyone hears of a change, and mints the call tokens', async () => {
    const log: string[] = [];
    const events: LineEvent[] = [];
    const clock = new FakeClock();
    const h = host(clock, log, events);
    const agent = new FakeSocket(log);
    const agentConn = h.open(agent);
    await h.receive(agentConn, JSON.stringify({ type: 'agent', token: await tok('agnes', { agent: true }) }));
    const ann = new FakeSocket(log);
    await h.receive(h.open(ann), JSON.stringify({ type: 'enqueue', token: await tok('ann') }));
    const ticketId = (ann.last() as { ticketId: string }).ticketId;
    log.length = 0;
    clock.advance(4000);
    await h.receive(agentConn, JSON.stringify({ type: 'answer', ticketId }));
    assert.equal(log[0], 'persist');
    const call = agent.got.find((m) => m.type === 'call');
    const answered = ann.got.find((m) => m.type === 'answered');
    assert.ok(call?.type === 'call' && answered?.type === 'answered');
    const agentClaims = await verifyRoomToken(call.token, TOKEN_SECRET, { room: call.room });
    assert.deepEqual([agentClaims.sub, agentClaims.role], ['agnes', 'host']);
    const customerClaims = await verifyRoomToken(answered.token, TOKEN_SECRET, { room: call.room });
    assert.deepEqual([customerClaims.sub, customerClaims.role], ['ann', 'guest']);
    clock.advance(90_000);
    await h.receive(agentConn, JSON.stringify({ type: 'end', callId: call.callId }));
    // The events the page's backend and analytics get (through the sink).
    assert.deepEqual(
      events.map((e) => [
        e.type,
        'waitedMs' in e ? e.waitedMs : undefined,
        'durationMs' in e ? e.durationMs : undefined,
        'agentId' in e ? e.agentId : undefined,
      ]),
      [
        ['waited', undefined, undefined, undefined],
        ['answered', 4000, undefined, 'agnes'],
        ['ended', undefined, 90_000, 'agnes'],
      ],
    );
  });
});
