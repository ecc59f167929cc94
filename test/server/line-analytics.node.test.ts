/** Support-line events reach the analytics store as server events under the queue's name. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeAnalytics } from '../../src/server/analytics-node.ts';
import { analyticsLineSink, teeLineSinks } from '../../src/server/line-analytics.ts';
import type { LineEvent } from '../../src/server/line-events.ts';

void test('line analytics: waited, answered and ended land in the queue call, ids and durations only', async () => {
  const analytics = nodeAnalytics(undefined);
  const logged: LineEvent[] = [];
  const sink = teeLineSinks(
    { record: (e) => logged.push(e) },
    analyticsLineSink(analytics.sink, () => undefined),
  );
  const t0 = Date.now();
  sink.record({ type: 'waited', queue: 'support', ticketId: 't1', at: t0, position: 1 });
  sink.record({
    type: 'answered',
    queue: 'support',
    ticketId: 't1',
    callId: 'c1',
    at: t0 + 4000,
    waitedMs: 4000,
    agentId: 'agent-7',
  });
  sink.record({
    type: 'ended',
    queue: 'support',
    ticketId: 't1',
    callId: 'c1',
    at: t0 + 64_000,
    durationMs: 60_000,
    agentId: 'agent-7',
    reason: 'hung-up',
  });
  assert.equal(logged.length, 3, 'the other sink still gets every event');
  const calls = await analytics.reader.calls({ all: false, room: 'support' }, t0 - 1000, 10);
  assert.equal(calls.length, 1);
  const detail = await analytics.reader.call({ all: false, room: 'support' }, calls[0]!.id);
  const types = detail?.events.map((e) => e.type);
  assert.deepEqual(types, ['server:waited', 'server:answered', 'server:ended']);
  const answered = JSON.parse(detail!.events[1]!.data) as Record<string, unknown>;
  assert.equal(answered.waitedMs, 4000);
  assert.equal(answered.agentId, 'agent-7');
  assert.equal(
    await analytics.reader.calls({ all: false, room: 'other' }, t0 - 1000, 10).then((c) => c.length),
    0,
  );
});
