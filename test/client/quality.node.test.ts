/** The one quality classification, the stats sampler that feeds it, the monitor's confirmation, and the reporter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalyticsReporter } from '../../src/client/analytics-reporter.ts';
import { classifyTracks } from '../../src/client/quality.ts';
import { QUALITY_CONFIRM_WINDOWS, QualityMonitor } from '../../src/client/quality-monitor.ts';
import { StatsSampler, type SamplerContext, type StatEntry } from '../../src/client/stats-sampler.ts';
import { mosEstimate, type StatsSample, type TrackSample } from '../../src/protocol/analytics.ts';
import { until } from '../helpers/wait.ts';

const track = (over: Partial<TrackSample> = {}): TrackSample => ({
  direction: 'recv',
  kind: 'audio',
  source: 'microphone',
  bitrate: 32_000,
  packets: 100,
  packetsLost: 0,
  lossRatio: 0,
  ...over,
});

void describe('classifyTracks', () => {
  void it('loss, RTT, bandwidth and CPU, worst first', () => {
    assert.deepEqual(classifyTracks([track()]), { quality: 'good', reason: null });
    assert.deepEqual(classifyTracks([track({ packetsLost: 3, packets: 97 })]), {
      quality: 'fair',
      reason: 'loss',
    });
    assert.deepEqual(classifyTracks([track({ packetsLost: 10, packets: 90 })]), {
      quality: 'poor',
      reason: 'loss',
    });
    assert.deepEqual(classifyTracks([track({ rttMs: 350 })]), { quality: 'fair', reason: 'rtt' });
    assert.deepEqual(classifyTracks([track({ rttMs: 700, packetsLost: 3, packets: 97 })]), {
      quality: 'poor',
      reason: 'rtt',
    });
    const send = { direction: 'send' as const, kind: 'video' as const, source: 'camera' as const };
    assert.deepEqual(classifyTracks([track({ ...send, qualityLimitation: 'bandwidth', bitrate: 400_000 })]), {
      quality: 'fair',
      reason: 'bandwidth',
    });
    assert.deepEqual(
      classifyTracks([track({ ...send, availableOutgoingBitrate: 100_000, bitrate: 90_000 })]),
      {
        quality: 'poor',
        reason: 'bandwidth',
      },
    );
    assert.deepEqual(classifyTracks([track({ ...send, fps: 2, sourceFps: 30 })]), {
      quality: 'poor',
      reason: 'bandwidth',
    });
    assert.deepEqual(classifyTracks([track({ ...send, fps: 2, sourceFps: 5 })]), {
      quality: 'good',
      reason: null,
    });
    assert.deepEqual(classifyTracks([track({ ...send, qualityLimitation: 'cpu', fps: 8, sourceFps: 30 })]), {
      quality: 'poor',
      reason: 'cpu',
    });
    const recv = { kind: 'video' as const, source: 'camera' as const };
    assert.deepEqual(classifyTracks([track({ ...recv, fps: 9 })]), { quality: 'fair', reason: 'bandwidth' });
    assert.deepEqual(classifyTracks([track({ ...recv, source: 'screen', fps: 1 })]), {
      quality: 'good',
      reason: null,
    });
  });

  void it('where there is audio, video loss (a simulcast layer switch) does not count', () => {
    const video = track({ kind: 'video', source: 'camera', packetsLost: 50, packets: 50, fps: 25 });
    assert.deepEqual(classifyTracks([track(), video]), { quality: 'good', reason: null });
    assert.deepEqual(classifyTracks([video]), { quality: 'poor', reason: 'loss' });
  });
});

void describe('mosEstimate (E-model)', () => {
  void it('falls with delay and loss, within 1..4.5', () => {
    assert.ok(mosEstimate(20, 2, 0) > 4.3);
    assert.ok(mosEstimate(400, 30, 0) < mosEstimate(100, 30, 0));
    assert.ok(mosEstimate(50, 5, 10) < 3.5);
    assert.equal(mosEstimate(5000, 500, 100), 1);
  });
});

const ctx: SamplerContext = {
  selfId: 'me',
  inbound: new Map([
    ['1', { participantId: 'ada', source: 'microphone' }],
    ['2', { participantId: 'ada', source: 'camera', layer: 'h' }],
  ]),
  outbound: new Map([['0', 'camera']]),
};

function report(t: number): StatEntry[] {
  return [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
    { id: 'CP', type: 'candidate-pair', currentRoundTripTime: 0.05, availableOutgoingBitrate: 2_000_000 },
    {
      id: 'A',
      type: 'inbound-rtp',
      kind: 'audio',
      mid: '1',
      bytesReceived: 4000 * t,
      packetsReceived: 50 * t,
      packetsLost: t,
      jitter: 0.004,
    },
    {
      id: 'V',
      type: 'inbound-rtp',
      kind: 'video',
      mid: '2',
      bytesReceived: 100_000 * t,
      packetsReceived: 100 * t,
      packetsLost: 0,
      framesPerSecond: 25,
      frameWidth: 640,
      frameHeight: 360,
      freezeCount: t > 1 ? 1 : 0,
      totalFreezesDuration: t > 1 ? 0.5 : 0,
    },
    { id: 'MS', type: 'media-source', kind: 'video', framesPerSecond: 30 },
    ...['q', 'h', 'f'].map((rid, i) => ({
      id: `O${rid}`,
      type: 'outbound-rtp',
      kind: 'video',
      mid: '0',
      rid,
      mediaSourceId: 'MS',
      bytesSent: 10_000 * (i + 1) * t,
      packetsSent: 10 * t,
      framesPerSecond: 30,
      frameHeight: 180 * 2 ** i,
      frameWidth: 320 * 2 ** i,
      qualityLimitationReason: i === 2 ? 'bandwidth' : 'none',
    })),
    { id: 'R', type: 'remote-inbound-rtp', localId: 'Of', packetsLost: 0, roundTripTime: 0.06 },
    { id: 'X', type: 'inbound-rtp', kind: 'video', mid: '9', bytesReceived: 1, packetsReceived: 1 },
  ];
}

void describe('StatsSampler', () => {
  void it('per participant and track over the interval; unknown mids are left out', () => {
    const s = new StatsSampler();
    assert.deepEqual(s.sample(report(1), ctx, 0, 1000), []);
    const samples = s.sample(report(2), ctx, 1000, 2000);
    const ada = samples.find((x) => x.participantId === 'ada')!;
    assert.equal(ada.local, false);
    const audio = ada.tracks.find((t) => t.kind === 'audio')!;
    assert.deepEqual(
      [audio.bitrate, audio.packets, audio.packetsLost, audio.jitterMs, audio.rttMs],
      [32_000, 50, 1, 4, 50],
    );
    assert.equal(audio.lossRatio, 0.0196);
    const video = ada.tracks.find((t) => t.kind === 'video')!;
    assert.deepEqual(
      [video.bitrate, video.fps, video.height, video.freezeCount, video.freezeMs, video.layer],
      [800_000, 25, 360, 1, 500, 'h'],
    );
    const me = samples.find((x) => x.participantId === 'me')!;
    assert.equal(me.local, true);
    const sent = me.tracks[0]!;
    // The three layers together; the picture's figures from the largest active one.
    assert.deepEqual(
      [sent.bitrate, sent.packets, sent.height, sent.fps, sent.sourceFps],
      [480_000, 30, 720, 30, 30],
    );
    assert.deepEqual(
      [sent.qualityLimitation, sent.availableOutgoingBitrate, sent.rttMs],
      ['bandwidth', 2_000_000, 50],
    );
    assert.deepEqual([me.quality, me.reason], ['fair', 'bandwidth']);
    s.reset();
    assert.deepEqual(s.sample(report(3), ctx, 2000, 3000), [], 'a new connection starts over');
  });
});

void describe('QualityMonitor', () => {
  const sample = (quality: StatsSample['quality'], reason: StatsSample['reason']): StatsSample => ({
    at: 0,
    intervalMs: 2000,
    participantId: 'ada',
    local: false,
    tracks: [],
    quality,
    reason,
  });
  void it('the first good at once; a change once three windows in a row agree; pruned on leave', () => {
    const events: string[] = [];
    const m = new QualityMonitor({
      changed: () => events.push('changed'),
      qualityChanged: (id, q) => events.push(`${id}:${q.quality}:${q.reason}`),
      sampled: () => undefined,
    });
    m.update([sample('good', null)]);
    assert.deepEqual(events, ['ada:good:null', 'changed']);
    events.length = 0;
    m.update([sample('poor', 'loss')]);
    m.update([sample('poor', 'bandwidth')]);
    m.update([sample('poor', 'bandwidth')]);
    assert.equal(QUALITY_CONFIRM_WINDOWS, 3);
    assert.deepEqual(events, [], 'not yet: only two windows agree');
    m.update([sample('poor', 'bandwidth')]);
    assert.deepEqual(events, ['ada:poor:bandwidth', 'changed']);
    assert.deepEqual(m.quality.get('ada'), { quality: 'poor', reason: 'bandwidth' });
    m.prune(['ada']);
    assert.equal(m.quality.has('ada'), false);
  });
});

void describe('AnalyticsReporter', () => {
  void it('sends with the header, keeps the beacon token, beacons it (never the room token) on the way out', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const beacons: string[] = [];
    const r = new AnalyticsReporter({
      url: 'https://b.example/api/analytics',
      room: 'r1',
      fetch: (url, init) => {
        sent.push({ url: url as string, init: init! });
        return Promise.resolve(Response.json({ accepted: 1, beaconToken: 'beacon-1' }, { status: 202 }));
      },
      token: () => Promise.resolve('room-token'),
      identity: () => ({ participantId: 'p1', sessionId: 's1' }),
      beacon: (_url, body) => {
        void body.text().then((t) => beacons.push(t));
        return true;
      },
      flushMs: 3_600_000,
    });
    r.event({ type: 'join-phase', at: 1, phase: 'joined', ms: 300 });
    await r.flush();
    assert.equal(sent.length, 1);
    assert.equal((sent[0]!.init.headers as Record<string, string>).authorization, 'Bearer room-token');
    const body = JSON.parse(sent[0]!.init.body as string) as {
      participantId: string;
      events: unknown[];
      seq: number;
    };
    assert.deepEqual([body.participantId, body.events.length, body.seq], ['p1', 1, 1]);
    r.event({ type: 'left', at: 2, reason: 'left' });
    r.sendNow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(beacons.length, 1);
    const beacon = JSON.parse(beacons[0]!) as { beaconToken: string; seq: number };
    assert.equal(beacon.beaconToken, 'beacon-1');
    assert.equal(beacon.seq, 2);
    assert.ok(!beacons[0]!.includes('room-token'));
    r.close();
  });

  void it('a batch still in flight when the page goes away is beaconed again with the same seq and sentAt', async () => {
    const fetched: string[] = [];
    const beacons: string[] = [];
    let answer: (r: Response) => void = () => undefined;
    const r = new AnalyticsReporter({
      url: 'u',
      room: 'r1',
      fetch: (_url, init) => {
        fetched.push(init!.body as string);
        if (fetched.length === 1) return Promise.resolve(Response.json({ beaconToken: 'b1' }));
        return new Promise<Response>((resolve) => (answer = resolve));
      },
      token: () => Promise.resolve('t'),
      identity: () => ({ participantId: 'p1' }),
      beacon: (_url, body) => {
        void body.text().then((t) => beacons.push(t));
        return true;
      },
      flushMs: 3_600_000,
    });
    try {
      r.event({ type: 'reconnecting', at: 1 });
      await r.flush();
      r.event({ type: 'reconnecting', at: 2 });
      const inFlight = r.flush();
      await until(() => fetched.length === 2, 'the second batch sent');
      r.event({ type: 'left', at: 3, reason: 'left' });
      r.sendNow();
      await until(() => beacons.length === 2, 'two beacons');
      const sent = JSON.parse(fetched[1]!) as { seq: number; sentAt: number; events: { type: string }[] };
      const [again, last] = beacons.map((b) => JSON.parse(b) as typeof sent);
      assert.deepEqual([again!.seq, again!.sentAt, again!.events], [sent.seq, sent.sentAt, sent.events]);
      assert.deepEqual(
        last!.events.map((e) => e.type),
        ['left'],
      );
      answer(new Response('{}', { status: 503 }));
      await inFlight;
      assert.equal(r.pending, 0, 'a failure after the beacon does not keep it twice');
    } finally {
      r.close();
    }
  });

  void it('a backend that cannot be reached keeps the items for later; a refusal of the token stops it', async () => {
    let status = 503;
    let calls = 0;
    const bodies: { seq: number; sentAt: number; events: unknown[] }[] = [];
    const r = new AnalyticsReporter({
      url: 'u',
      room: 'r1',
      fetch: (_url, init) => {
        calls++;
        bodies.push(JSON.parse(init!.body as string) as (typeof bodies)[number]);
        return Promise.resolve(new Response('{}', { status }));
      },
      token: () => Promise.resolve('t'),
      identity: () => ({ participantId: 'p1' }),
      flushMs: 3_600_000,
    });
    r.event({ type: 'reconnecting', at: 1 });
    await r.flush();
    assert.equal(r.pending, 1, 'kept after a 503');
    r.event({ type: 'reconnecting', at: 2 });
    await r.flush();
    // The failed batch goes again as it was (the backend counts a batch once by its seq and sentAt).
    assert.deepEqual(bodies[1], bodies[0]);
    assert.equal(r.pending, 2, 'the retried batch and the newer item are both still kept');
    status = 401;
    await r.flush();
    assert.equal(r.pending, 0);
    r.event({ type: 'reconnecting', at: 2 });
    await r.flush();
    assert.equal(calls, 3, 'nothing more after a 401');
  });
});
