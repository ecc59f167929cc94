/**
 * The session's small parts on their own: the expiry rules, the request gate, the batch check, and the
 * track table over a real registry and `MediaSource`, with a recording fake sink (named as such).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaSource } from '../../src/sfu/engine/media.ts';
import type { MediaSink } from '../../src/sfu/engine/sink.ts';
import { CallsError, checkBatch } from '../../src/sfu/errors.ts';
import { publicationIdle, sessionExpiry, type ConnectionFacts } from '../../src/sfu/expiry.ts';
import { Publications } from '../../src/sfu/publications.ts';
import { RequestGate } from '../../src/sfu/request-gate.ts';
import { TrackTable } from '../../src/sfu/track-table.ts';

const limits = { unusedSessionMs: 60_000, silentSessionMs: 60_000, disconnectGraceMs: 30_000 };
const fresh: ConnectionFacts = { createdAt: 0, connectedOnce: false, lastInboundAt: 0, disconnectedSince: 0 };

void test('sessionExpiry: unused, silent and disconnected sessions, each after its own limit', () => {
  assert.equal(sessionExpiry(fresh, 60_000, limits), undefined);
  assert.equal(sessionExpiry(fresh, 60_001, limits), 'unused');
  const up = { ...fresh, connectedOnce: true, lastInboundAt: 1_000 };
  assert.equal(sessionExpiry(up, 61_000, limits), undefined, 'a connected session is not unused');
  assert.equal(sessionExpiry(up, 61_001, limits), 'silent');
  const down = { ...up, lastInboundAt: 50_000, disconnectedSince: 40_000 };
  assert.equal(sessionExpiry(down, 70_000, limits), undefined);
  assert.equal(sessionExpiry(down, 70_001, limits), 'disconnected');
});

void test('publicationIdle: the clock starts at publishing, then at the last packet', () => {
  assert.equal(publicationIdle({ publishedAt: 100, source: { lastPacketAt: 0 } }, 30_100, 30_000), false);
  assert.equal(publicationIdle({ publishedAt: 100, source: { lastPacketAt: 0 } }, 30_101, 30_000), true);
  assert.equal(
    publicationIdle({ publishedAt: 100, source: { lastPacketAt: 20_000 } }, 30_101, 30_000),
    false,
  );
});

void test('RequestGate: at most n requests in any second; tasks run one at a time, in order', async () => {
  const gate = new RequestGate(() => 2);
  gate.admit(0);
  gate.admit(500);
  assert.throws(
    () => gate.admit(999),
    (e) => e instanceof CallsError && e.status === 429,
  );
  gate.admit(1_000);
  const order: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const first = gate.exclusive(async () => {
    await released;
    order.push('first');
    throw new Error('fails');
  });
  const second = gate.exclusive(() => {
    order.push('second');
    return Promise.resolve('ok');
  });
  release();
  await assert.rejects(first);
  assert.equal(await second, 'ok');
  assert.deepEqual(order, ['first', 'second'], 'a failed task does not stop the next');
});

void test('checkBatch: one rule for every list endpoint', () => {
  checkBatch(64, 64, 'tracks');
  assert.throws(() => checkBatch(65, 64, 'tracks'), /at most 64 tracks in the request/);
  assert.throws(() => checkBatch(3, 2, 'data channels'), /at most 2 data channels/);
});

/** A fake of the SFU-sending side: records what the table does to it. */
class FakeSink {
  readonly kind = 'audio';
  ready = false;
  source: MediaSource | undefined;
  forwarded = 7;
  currentRid: string | undefined = '';
  readonly calls: string[] = [];
  attach(source: MediaSource): void {
    this.source = source;
    this.calls.push('attach');
  }
  detach(): void {
    this.source = undefined;
    this.calls.push('detach');
  }
  start(): void {
    this.calls.push('start');
  }
  reconsider(): void {
    this.calls.push('reconsider');
  }
  requestKeyframe(): void {
    this.calls.push('keyframe');
  }
}

void test('TrackTable: publishes into the registry, pulls into sinks, reports state, stops both', () => {
  const registry = new Publications();
  const table = new TrackTable('app', 's1', registry);
  const source = new MediaSource('audio', () => undefined);
  const local = table.publish('0', 'mic', source, true);
  assert.equal(registry.get('s1', 'mic'), local.publication);
  assert.equal(table.localNamed('mic'), local);

  const sink = new FakeSink();
  table.pull('1', local.publication, sink as unknown as MediaSink, undefined);
  assert.deepEqual(sink.calls, ['attach']);
  table.startSinks();
  table.startSinks();
  assert.deepEqual(sink.calls, ['attach', 'start'], 'started once');
  assert.equal(table.forwardedPackets(), 7);
  assert.deepEqual(
    table.states().map((t) => [t.mid, t.status]),
    [
      ['0', 'active'],
      ['1', 'active'],
    ],
  );

  table.housekeeping(local.publication.publishedAt + 30_001, 30_000);
  assert.equal(local.active, false, 'an idle publication stops');
  assert.equal(registry.get('s1', 'mic'), undefined);
  assert.ok(source.closed);
  table.stopAll();
  assert.ok(sink.calls.includes('detach'));
  assert.deepEqual(
    table.states().map((t) => t.status),
    ['inactive', 'inactive'],
  );
});
