/** The support line's pure state machine: order, positions, atomic answers, transfers, graces, limits, restore. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { LineServerMessage } from '../../src/protocol/queue.ts';
import { SupportLine, type LineEffect } from '../../src/server/support-line.ts';

const options = { queue: 'support', maxWaiting: 3, maxWaitMs: 600_000, graceMs: 15_000 };

function line(extra: Partial<typeof options> = {}) {
  let n = 0;
  return new SupportLine({ ...options, ...extra, randomId: () => `id${++n}` });
}

const sent = (effects: LineEffect[], to: string) =>
  effects.flatMap((e) => (e.kind === 'send' && e.to.includes(to) ? [e.message] : []));
const last = <T extends LineServerMessage['type']>(effects: LineEffect[], to: string, type: T) =>
  sent(effects, to)
    .filter((m): m is Extract<LineServerMessage, { type: T }> => m.type === type)
    .at(-1);
const events = (effects: LineEffect[]) => effects.flatMap((e) => (e.kind === 'event' ? [e.event] : []));
const answer = (l: SupportLine, conn: string, ticketId: string, now: number) =>
  l.handle(conn, { type: 'answer', ticketId }, now);
const customer = (sub: string) => ({ sub, name: sub.toUpperCase(), metadata: { order: sub } });

void describe('SupportLine', () => {
  void it('refuses customers while no agent is signed in', () => {
    const l = line();
    const fx = l.enqueue('c1', customer('ann'), 0);
    assert.deepEqual(last(fx, 'c1', 'closed')?.code, 'no-agents');
    assert.ok(fx.some((e) => e.kind === 'close' && e.conn === 'c1'));
  });

  void it('keeps customers in order, tells each their position, and agents the line', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'Agnes' }, 0);
    const f1 = l.enqueue('c1', customer('ann'), 10);
    assert.equal(last(f1, 'c1', 'waiting')?.position, 1);
    assert.equal(last(f1, 'a1', 'line')?.waiting.length, 1);
    const f2 = l.enqueue('c2', customer('bob'), 20);
    assert.equal(last(f2, 'c2', 'waiting')?.position, 2);
    assert.deepEqual(
      last(f2, 'a1', 'line')?.waiting.map((w) => [w.name, w.metadata]),
      [
        ['ANN', { order: 'ann' }],
        ['BOB', { order: 'bob' }],
      ],
    );
    assert.equal(last(f2, 'c1', 'waiting'), undefined, 'ann was not told anything new');
    assert.deepEqual(
      events(f2).map((e) => e.type),
      ['waited'],
    );
  });

  void it('answers atomically: one agent gets the call, the other sees it taken; positions move up', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'Agnes' }, 0);
    l.agentJoin('a2', { sub: 'agent2', name: 'Bert' }, 0);
    const w1 = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    const w2 = last(l.enqueue('c2', customer('bob'), 0), 'c2', 'waiting')!;
    const first = answer(l, 'a1', w1.ticketId, 5000);
    const call = last(first, 'a1', 'call')!;
    assert.equal(call.customer.name, 'ANN');
    const grant = first.find((e) => e.kind === 'send' && e.to.includes('a1') && e.grant);
    assert.deepEqual(grant?.kind === 'send' && grant.grant, {
      room: call.room,
      sub: 'agent1',
      name: 'Agnes',
      role: 'host',
    });
    const answered = last(first, 'c1', 'answered')!;
    assert.equal(answered.room, call.room);
    assert.equal(answered.waitedMs, 5000);
    assert.equal(last(first, 'c2', 'waiting')?.position, 1, "bob's position becomes 1");
    assert.deepEqual(
      last(first, 'a2', 'line')?.waiting.map((w) => w.ticketId),
      [w2.ticketId],
    );
    const ev = events(first).find((e) => e.type === 'answered');
    assert.deepEqual(ev && ev.type === 'answered' && [ev.waitedMs, ev.agentId], [5000, 'agent1']);

    const second = answer(l, 'a2', w1.ticketId, 5001);
    assert.equal(last(second, 'a2', 'error')?.code, 'taken');
    assert.equal(last(answer(l, 'a1', w2.ticketId, 5002), 'a1', 'error')?.code, 'busy', 'one call at a time');
  });

  void it('a cancel leaves the line at once, with an abandoned event', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    l.enqueue('c1', customer('ann'), 0);
    const fx = l.handle('c1', { type: 'cancel' }, 3000);
    assert.equal(last(fx, 'a1', 'line')?.waiting.length, 0);
    const ev = events(fx)[0];
    assert.deepEqual(ev?.type === 'abandoned' && [ev.waitedMs, ev.reason], [3000, 'cancelled']);
  });

  void it('a clean close leaves at once; a dropped socket keeps the place for the grace period', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    const w = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    l.enqueue('c2', customer('bob'), 0);
    l.disconnect('c1', false, 1000);
    assert.equal(l.waitingCount, 2);
    const back = l.enqueue('c3', { ...customer('ann'), resume: { ticketId: w.ticketId, key: w.key } }, 5000);
    assert.equal(last(back, 'c3', 'waiting')?.position, 1, 'same place');
    l.disconnect('c2', true, 6000);
    assert.equal(l.waitingCount, 1);
    l.disconnect('c3', false, 7000);
    l.tick(7000 + 15_001);
    assert.equal(l.waitingCount, 0);
  });

  void it('a resume needs the right key and the same user', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    const w = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    const bad = l.enqueue('c2', { ...customer('eve'), resume: { ticketId: w.ticketId, key: w.key } }, 1);
    assert.equal(last(bad, 'c2', 'error')?.code, 'resume-failed');
    const wrongKey = l.enqueue('c3', { ...customer('ann'), resume: { ticketId: w.ticketId, key: 'x' } }, 1);
    assert.equal(last(wrongKey, 'c3', 'error')?.code, 'resume-failed');
  });

  void it('enforces the line length, one place per user, and the waiting-time limit', () => {
    const l = line({ maxWaitMs: 60_000 });
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    for (const s of ['a', 'b', 'c']) l.enqueue(`c-${s}`, customer(s), 0);
    assert.equal(last(l.enqueue('c-d', customer('d'), 0), 'c-d', 'closed')?.code, 'line-full');
    l.handle('c-c', { type: 'cancel' }, 1);
    assert.equal(last(l.enqueue('c-a2', customer('a'), 1), 'c-a2', 'error')?.code, 'already-waiting');
    const fx = l.tick(60_001);
    assert.equal(last(fx, 'c-a', 'closed')?.code, 'timed-out');
    assert.equal(l.waitingCount, 0);
  });

  void it('estimates the wait from recent answers (time per place)', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    const w = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    assert.equal(w.estimatedWaitMs, null);
    l.enqueue('c2', customer('bob'), 0);
    const fx = answer(l, 'a1', w.ticketId, 60_000);
    const bob = last(fx, 'c2', 'waiting')!;
    assert.equal(bob.position, 1);
    assert.equal(bob.estimatedWaitMs, 60_000);
  });

  void it('transfers a call to an available agent; the customer stays in the same room', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'Agnes' }, 0);
    l.agentJoin('a2', { sub: 'agent2', name: 'Bert' }, 0);
    const w = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    const call = last(answer(l, 'a1', w.ticketId, 10), 'a1', 'call')!;
    assert.equal(
      last(l.handle('a1', { type: 'transfer', callId: call.callId, to: 'agent1' }, 11), 'a1', 'error')?.code,
      'unknown-agent',
    );
    l.handle('a2', { type: 'status', available: false }, 11);
    assert.equal(
      last(l.handle('a1', { type: 'transfer', callId: call.callId, to: 'agent2' }, 12), 'a1', 'error')?.code,
      'busy',
    );
    l.handle('a2', { type: 'status', available: true }, 13);
    const fx = l.handle('a1', { type: 'transfer', callId: call.callId, to: 'agent2' }, 14);
    assert.equal(last(fx, 'a1', 'call-ended')?.reason, 'transferred');
    const theirs = last(fx, 'a2', 'call')!;
    assert.equal(theirs.room, call.room);
    assert.equal(theirs.transferredFrom, 'Agnes');
    assert.equal(last(fx, 'c1', 'agent-changed')?.agentName, 'Bert');
    const end = l.handle('a2', { type: 'end', callId: call.callId }, 10_014);
    assert.equal(last(end, 'c1', 'call-ended')?.durationMs, 10_004);
    const ev = events(end)[0];
    assert.deepEqual(ev?.type === 'ended' && [ev.agentId, ev.durationMs], ['agent2', 10_004]);
  });

  void it('comes back from a snapshot with every waiting customer and every call', () => {
    const l = line();
    l.agentJoin('a1', { sub: 'agent1', name: 'A' }, 0);
    const w1 = last(l.enqueue('c1', customer('ann'), 0), 'c1', 'waiting')!;
    const w2 = last(l.enqueue('c2', customer('bob'), 0), 'c2', 'waiting')!;
    const call = last(answer(l, 'a1', w1.ticketId, 10), 'a1', 'call')!;
    const snapshot = JSON.parse(JSON.stringify(l.snapshot())) as ReturnType<SupportLine['snapshot']>;
    const r = SupportLine.restore({ ...options, randomId: () => 'new' }, snapshot, 50_000);
    assert.deepEqual(r.waiting(), [w2.ticketId]);
    assert.deepEqual(r.callIds(), [call.callId]);
    const agentBack = r.agentJoin('x1', { sub: 'agent1', name: 'A' }, 51_000);
    assert.equal(last(agentBack, 'x1', 'call')?.room, call.room, 'the agent gets the call back');
    const bobBack = r.enqueue(
      'x2',
      { ...customer('bob'), resume: { ticketId: w2.ticketId, key: w2.key } },
      52_000,
    );
    assert.equal(last(bobBack, 'x2', 'waiting')?.position, 1);
    const annBack = r.enqueue(
      'x3',
      { ...customer('ann'), resume: { ticketId: w1.ticketId, key: w1.key } },
      52_000,
    );
    assert.equal(last(annBack, 'x3', 'answered')?.room, call.room, 'the customer gets the call back');
    // Nobody back within the grace: gone.
    const r2 = SupportLine.restore(options, snapshot, 50_000);
    r2.tick(50_000 + 15_001);
    assert.equal(r2.waitingCount, 0);
    assert.deepEqual(r2.callIds(), []);
  });

  void it('property: positions are always 1..n in line order, and each ticket is answered at most once', () => {
    type Op =
      | { op: 'enqueue'; who: number }
      | { op: 'cancel'; who: number }
      | { op: 'answer'; agent: number; who: number }
      | { op: 'drop'; who: number; clean: boolean }
      | { op: 'end'; agent: number }
      | { op: 'tick'; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('enqueue' as const), who: fc.nat(5) }),
      fc.record({ op: fc.constant('cancel' as const), who: fc.nat(5) }),
      fc.record({ op: fc.constant('answer' as const), agent: fc.nat(1), who: fc.nat(5) }),
      fc.record({ op: fc.constant('drop' as const), who: fc.nat(5), clean: fc.boolean() }),
      fc.record({ op: fc.constant('end' as const), agent: fc.nat(1) }),
      fc.record({ op: fc.constant('tick' as const), ms: fc.nat(20_000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = new SupportLine({ ...options, maxWaiting: 4 });
        l.agentJoin('a0', { sub: 'agent0', name: 'A0' }, 0);
        l.agentJoin('a1', { sub: 'agent1', name: 'A1' }, 0);
        const conns = new Map<number, string>();
        const tickets = new Map<number, string>();
        const calls = new Map<number, string>();
        const answeredTickets = new Set<string>();
        let now = 0;
        let gen = 0;
        const positions = new Map<string, number>();
        const observe = (fx: LineEffect[]) => {
          for (const e of fx) {
            if (e.kind === 'close') {
              for (const [who, c] of conns) if (c === e.conn) conns.delete(who);
            }
            if (e.kind !== 'send') continue;
            if (e.message.type === 'waiting') {
              for (const to of e.to) positions.set(to, e.message.position);
              for (const [who, c] of conns) if (e.to.includes(c)) tickets.set(who, e.message.ticketId);
            }
            if (e.message.type === 'call') {
              assert.ok(
                !answeredTickets.has(e.message.ticketId) || e.message.transferredFrom,
                'answered twice',
              );
              answeredTickets.add(e.message.ticketId);
              const agent = e.to[0] === 'a0' ? 0 : 1;
              calls.set(agent, e.message.callId);
            }
            if (e.message.type === 'call-ended') {
              for (const [a, id] of calls) if (id === e.message.callId) calls.delete(a);
            }
          }
        };
        for (const o of ops) {
          now += 10;
          if (o.op === 'enqueue' && !conns.has(o.who)) {
            const c = `c${++gen}`;
            conns.set(o.who, c);
            tickets.delete(o.who);
            observe(l.enqueue(c, customer(`u${o.who}`), now));
          } else if (o.op === 'cancel' && conns.has(o.who)) {
            observe(l.handle(conns.get(o.who)!, { type: 'cancel' }, now));
            conns.delete(o.who);
          } else if (o.op === 'answer' && tickets.has(o.who)) {
            observe(l.handle(`a${o.agent}`, { type: 'answer', ticketId: tickets.get(o.who)! }, now));
          } else if (o.op === 'drop' && conns.has(o.who)) {
            observe(l.disconnect(conns.get(o.who)!, o.clean, now));
            conns.delete(o.who);
          } else if (o.op === 'end' && calls.has(o.agent)) {
            observe(l.handle(`a${o.agent}`, { type: 'end', callId: calls.get(o.agent)! }, now));
          } else if (o.op === 'tick') {
            now += o.ms;
            observe(l.handle('a0', { type: 'heartbeat' }, now));
            observe(l.handle('a1', { type: 'heartbeat' }, now));
            observe(l.tick(now));
          }
          const waiting = l.waiting();
          assert.ok(waiting.length <= 4);
          assert.equal(new Set(waiting).size, waiting.length);
          for (const id of waiting)
            assert.ok(!answeredTickets.has(id), 'an answered ticket is still waiting');
          // Every connected waiting customer was last told their true position.
          for (const [, c] of conns) {
            const tid = [...tickets].find(([w]) => conns.get(w) === c)?.[1];
            const index = tid ? waiting.indexOf(tid) : -1;
            if (index >= 0) assert.equal(positions.get(c), index + 1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
