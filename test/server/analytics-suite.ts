/**
 * The analytics routes against a running backend (Node, or the Worker in workerd with Miniflare's Queues, D1
 * and R2): accepted batches show up on the dashboard's reads, and bad or hostile batches are refused and
 * leave nothing behind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalyticsBatch, StatsSample } from '../../src/protocol/analytics.ts';
import { ANALYTICS_LIMITS } from '../../src/protocol/analytics.ts';
import { waitFor } from '../helpers/wait.ts';
import { token } from './helpers.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface AnalyticsTarget {
  base: string;
  close(): Promise<void>;
}

export function sample(participantId: string, local: boolean, at = Date.now()): StatsSample {
  return {
    at,
    intervalMs: 10_000,
    participantId,
    local,
    quality: 'good',
    reason: null,
    tracks: [
      {
        direction: local ? 'send' : 'recv',
        kind: 'video',
        source: 'camera',
        bitrate: 800_000,
        packets: 900,
        packetsLost: 0,
        lossRatio: 0,
        rttMs: 40,
        jitterMs: 5,
        fps: 30,
        width: 640,
        height: 360,
        ...(local ? { qualityLimitation: 'none' as const } : { freezeCount: 1, freezeMs: 300, layer: 'f' }),
      },
      {
        direction: local ? 'send' : 'recv',
        kind: 'audio',
        source: 'microphone',
        bitrate: 32_000,
        packets: 500,
        packetsLost: local ? 0 : 10,
        lossRatio: local ? 0 : 0.0196,
        rttMs: 40,
        jitterMs: 5,
      },
    ],
  };
}

export function batch(
  room: string,
  participantId: string,
  extra: Partial<AnalyticsBatch> = {},
): AnalyticsBatch {
  const now = Date.now();
  return {
    v: 1,
    room,
    participantId,
    seq: 1,
    sentAt: now,
    samples: [sample(participantId, true, now), sample('someone-else', false, now)],
    events: [
      { type: 'join-phase', at: now, phase: 'token', ms: 20 },
      { type: 'join-phase', at: now, phase: 'joined', ms: 400 },
      { type: 'join-phase', at: now, phase: 'first-frame', ms: 900 },
      { type: 'error', at: now, code: 'media-denied', fatal: false },
    ],
    ...extra,
  };
}

export async function post(base: string, body: unknown, auth?: string, raw = false): Promise<Response> {
  return fetch(`${base}/api/analytics`, {
    method: 'POST',
    headers: {
      'content-type': raw ? 'text/plain' : 'application/json',
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface Overview {
  calls: { id: string; room: string; participants: number }[];
  joinTimes: { joinedP50: number | null; firstFrameP95: number | null; joins: number };
}

export async function overview(base: string, auth = ADMIN_TOKEN): Promise<Response> {
  return fetch(`${base}/api/analytics/overview`, { headers: { authorization: `Bearer ${auth}` } });
}

/** The room's call once the store has it (the Worker's consumer runs a moment after the answer). */
export async function callOf(base: string, room: string, participants = 1) {
  return waitFor(
    async () => {
      const o = (await (await overview(base)).json()) as Overview;
      const call = o.calls.find((c) => c.room === room);
      return call && call.participants >= participants ? { call, overview: o } : undefined;
    },
    `the call in ${room} on the dashboard`,
    20_000,
  );
}

const roomName = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

export function analyticsSuite(name: string, start: () => Promise<AnalyticsTarget>): void {
  void describe(`analytics (${name})`, { timeout: 120_000 }, () => {
    void it('an accepted batch is on the dashboard: participant, bitrate, join time, errors, MOS', async () => {
      const t = await start();
      try {
        const room = roomName('ok');
        const res = await post(t.base, batch(room, 'p-ada'), await token(room, 'ada'));
        assert.equal(res.status, 202, await res.clone().text());
        const answer = (await res.json()) as { accepted: number; beaconToken: string };
        assert.equal(answer.accepted, 6);
        const { call, overview: o } = await callOf(t.base, room);
        assert.ok(o.joinTimes.joins >= 1);
        const detail = (await (
          await fetch(`${t.base}/api/analytics/calls/${encodeURIComponent(call.id)}`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).json()) as {
          participants: {
            participantId: string;
            sendKbps: number;
            recvKbps: number;
            phases: Record<string, number>;
            errors: number;
            mos: number;
            freezes: number;
            lossPct: number;
          }[];
          points: unknown[];
        };
        const p = detail.participants[0]!;
        assert.equal(p.participantId, 'p-ada');
        assert.equal(p.sendKbps, 832);
        assert.equal(p.recvKbps, 832);
        assert.equal(p.phases.joined, 400);
        assert.equal(p.phases['first-frame'], 900);
        assert.equal(p.errors, 1);
        assert.equal(p.freezes, 1);
        assert.equal(p.lossPct, 1.96);
        assert.ok(p.mos > 4 && p.mos <= 4.5, `MOS ${p.mos}`);
        assert.equal(detail.points.length, 1);

        // A beacon (no headers) with the scoped token from the answer is accepted too.
        const beacon = await post(
          t.base,
          batch(room, 'p-ada', { seq: 2, beaconToken: answer.beaconToken, events: [] }),
          undefined,
          true,
        );
        assert.equal(beacon.status, 202, await beacon.clone().text());
      } finally {
        await t.close();
      }
    });

    void it('a batch sent again (retry, beacon, redelivery) counts once', async () => {
      const t = await start();
      try {
        const room = roomName('again');
        const auth = await token(room, 'ada');
        const first = batch(room, 'p-ada');
        assert.equal((await post(t.base, first, auth)).status, 202);
        // The same batch again: as a retried fetch, then as a beacon with the scoped token.
        const again = await post(t.base, first, auth);
        assert.equal(again.status, 202, await again.clone().text());
        const { beaconToken } = (await again.json()) as { beaconToken: string };
        assert.equal((await post(t.base, { ...first, beaconToken }, undefined, true)).status, 202);
        // A later batch with the same seq but another sentAt is another batch (a reporter that started over).
        const later = batch(room, 'p-ada', { sentAt: first.sentAt + 1, events: [] });
        assert.equal((await post(t.base, later, auth)).status, 202);
        const marker = batch(room, 'p-ada', {
          seq: 2,
          events: [{ type: 'error', at: Date.now(), code: 'media-failed', fatal: false }],
        });
        assert.equal((await post(t.base, marker, auth)).status, 202);
        const { call } = await callOf(t.base, room);
        const detail = await waitFor(
          async () => {
            const d = (await (
              await fetch(`${t.base}/api/analytics/calls/${encodeURIComponent(call.id)}`, {
                headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
              })
            ).json()) as { participants: { errors: number }[]; points: unknown[] };
            return d.participants[0]?.errors === 2 ? d : undefined;
          },
          'the marker batch on the dashboard',
          20_000,
        );
        // first (1 error, 1 point) + later (1 point) + marker (1 error, 1 point); the two repeats add nothing.
        assert.equal(detail.points.length, 3);
        assert.equal(detail.participants[0]!.errors, 2);
      } finally {
        await t.close();
      }
    });

    void it('hostile batches are refused and store nothing', async () => {
      const t = await start();
      try {
        const room = roomName('bad');
        const ada = await token(room, 'ada');
        const expect = async (res: Promise<Response>, status: number, code: string) => {
          const r = await res;
          const body = (await r.json()) as { errorCode: string; errorDescription: string };
          assert.equal(r.status, status, JSON.stringify(body));
          assert.equal(body.errorCode, code);
          assert.ok(body.errorDescription.length > 0);
        };
        await expect(post(t.base, batch(room, 'p-x')), 401, 'unauthorized');
        await expect(post(t.base, batch(room, 'p-x'), 'not-a-token'), 401, 'unauthorized');
        await expect(post(t.base, batch('other-room', 'p-x'), ada), 403, 'forbidden');
        await expect(post(t.base, '{"v":1,', ada), 400, 'decoding_error');
        await expect(
          post(t.base, { ...batch(room, 'p-x'), name: 'Ada Lovelace' }, ada),
          400,
          'invalid_params',
        );
        await expect(
          post(
            t.base,
            batch(room, 'p-x', { samples: [{ ...sample('p-x', true), participantId: '<script>' }] }),
            ada,
          ),
          400,
          'invalid_params',
        );
        await expect(
          post(t.base, batch(room, 'p-x', { sentAt: Date.now() - 86_400_000 }), ada),
          400,
          'invalid_params',
        );
        const big = batch(room, 'p-x', {
          samples: Array.from({ length: ANALYTICS_LIMITS.maxSamplesPerBatch + 1 }, () => sample('p-x', true)),
        });
        await expect(post(t.base, big, ada), 400, 'invalid_params');
        await expect(
          post(t.base, 'x'.repeat(ANALYTICS_LIMITS.maxBatchBytes + 1), ada),
          413,
          'payload_too_large',
        );
        // A beacon token for one participant does not report for another, nor is it a room token.
        const res = await post(t.base, batch(room, 'p-ada', { samples: [], events: [] }), ada);
        assert.equal(res.status, 202);
        const { beaconToken } = (await res.json()) as { beaconToken: string };
        await expect(post(t.base, batch(room, 'p-bob', { beaconToken }), undefined, true), 403, 'forbidden');
        await expect(post(t.base, batch(room, 'p-ada'), beaconToken), 401, 'unauthorized');
        const proxy = await fetch(`${t.base}/api/calls/sessions/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${beaconToken}`, 'content-type': 'application/json' },
          body: '{}',
        });
        assert.equal(proxy.status, 401, 'a beacon token is no room token');
        // Another user cannot report as a participant someone else already reports as.
        await callOf(t.base, room);
        await expect(post(t.base, batch(room, 'p-ada'), await token(room, 'mallory')), 403, 'forbidden');
        // A flood: the participant's burst passes, then 429 with Retry-After.
        const eve = await token(room, 'eve');
        const statuses: number[] = [];
        for (let i = 0; i < ANALYTICS_LIMITS.batchBurst + 3; i++) {
          statuses.push(
            (await post(t.base, batch(room, 'p-eve', { seq: i, samples: [], events: [] }), eve)).status,
          );
        }
        assert.deepEqual(
          statuses.slice(0, ANALYTICS_LIMITS.batchBurst),
          Array(ANALYTICS_LIMITS.batchBurst).fill(202),
        );
        assert.deepEqual(statuses.slice(ANALYTICS_LIMITS.batchBurst), [429, 429, 429]);
        // Nothing of the refused ones was stored: only ada (and eve's empty batches) in this room's call.
        const { call } = await callOf(t.base, room, 2);
        const detail = (await (
          await fetch(`${t.base}/api/analytics/calls/${encodeURIComponent(call.id)}`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).json()) as { participants: { participantId: string; sendKbps: number | null }[] };
        assert.deepEqual(detail.participants.map((p) => p.participantId).sort(), ['p-ada', 'p-eve']);
        assert.equal(detail.participants.find((p) => p.participantId === 'p-ada')?.sendKbps, null);
      } finally {
        await t.close();
      }
    });

    void it('the dashboard: an operator reads every room, a host only theirs, others nothing', async () => {
      const t = await start();
      try {
        const a = roomName('a');
        const b = roomName('b');
        assert.equal((await post(t.base, batch(a, 'p1'), await token(a, 'u1'))).status, 202);
        assert.equal((await post(t.base, batch(b, 'p2'), await token(b, 'u2'))).status, 202);
        await callOf(t.base, a);
        await callOf(t.base, b);
        const rooms = async (auth: string) => {
          const res = await overview(t.base, auth);
          if (!res.ok) return res.status;
          return ((await res.json()) as Overview).calls.map((c) => c.room).filter((r) => r === a || r === b);
        };
        assert.deepEqual(((await rooms(ADMIN_TOKEN)) as string[]).sort(), [a, b].sort());
        assert.deepEqual(await rooms(await token(a, 'h', 'host')), [a]);
        assert.equal(await rooms(await token(a, 'g', 'guest')), 403);
        assert.equal(await rooms('wrong-admin-token-0123456789abcdef'), 401);
        const page = await fetch(`${t.base}/dashboard`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /uplot\.js/);
        const uplot = await fetch(`${t.base}/dashboard/uplot.js`);
        assert.equal(uplot.status, 200);
        assert.match(await uplot.text(), /uPlot/);
      } finally {
        await t.close();
      }
    });
  });
}
