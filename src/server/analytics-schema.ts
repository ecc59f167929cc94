/**
 * The strict reading of an analytics batch (`src/protocol/analytics.ts`): every field typed and bounded,
 * unknown fields refused, so nothing a page invents reaches the store. Names and chat have no field here.
 */
import { z } from 'zod';
import { ANALYTICS_LIMITS, ANALYTICS_VERSION } from '../protocol/analytics.ts';
import { ROOM_NAME_PATTERN } from '../protocol/token.ts';

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected an id');
const count = z.number().int().min(0).max(1e12);
const epoch = z.number().int().min(0).max(1e14);
const ms = z.number().min(0).max(1e9);
const quality = z.enum(['good', 'fair', 'poor']);
const reason = z.enum(['loss', 'rtt', 'bandwidth', 'cpu']).nullable();

const track = z.strictObject({
  direction: z.enum(['send', 'recv']),
  kind: z.enum(['audio', 'video']),
  source: z.enum(['camera', 'microphone', 'screen']),
  bitrate: count,
  packets: count,
  packetsLost: count,
  lossRatio: z.number().min(0).max(1),
  jitterMs: ms.optional(),
  rttMs: ms.optional(),
  fps: z.number().min(0).max(1000).optional(),
  sourceFps: z.number().min(0).max(1000).optional(),
  width: z.number().int().min(0).max(100_000).optional(),
  height: z.number().int().min(0).max(100_000).optional(),
  freezeCount: count.optional(),
  freezeMs: ms.optional(),
  qualityLimitation: z.enum(['none', 'cpu', 'bandwidth', 'other']).optional(),
  availableOutgoingBitrate: count.optional(),
  layer: z.string().max(8).optional(),
});

const sample = z.strictObject({
  at: epoch,
  intervalMs: ms,
  participantId: id,
  local: z.boolean(),
  tracks: z.array(track).max(ANALYTICS_LIMITS.maxTracksPerSample),
  quality,
  reason,
});

const event = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('join-phase'),
    at: epoch,
    phase: z.enum(['token', 'session', 'transport', 'joined', 'first-frame']),
    ms,
  }),
  z.strictObject({
    type: z.literal('error'),
    at: epoch,
    code: z.string().regex(/^[a-z-]{1,40}$/),
    fatal: z.boolean(),
  }),
  z.strictObject({ type: z.literal('reconnecting'), at: epoch }),
  z.strictObject({ type: z.literal('session-replaced'), at: epoch }),
  z.strictObject({ type: z.literal('quality-change'), at: epoch, participantId: id, quality, reason }),
  z.strictObject({
    type: z.literal('left'),
    at: epoch,
    reason: z.enum(['left', 'stale', 'removed', 'disconnected', 'error']),
  }),
]);

export const analyticsBatchSchema = z.strictObject({
  v: z.literal(ANALYTICS_VERSION),
  room: z.string().regex(ROOM_NAME_PATTERN),
  participantId: id,
  sessionId: id.optional(),
  seq: z.number().int().min(0).max(1e9),
  sentAt: epoch,
  samples: z.array(sample).max(ANALYTICS_LIMITS.maxSamplesPerBatch),
  events: z.array(event).max(ANALYTICS_LIMITS.maxEventsPerBatch),
  beaconToken: z.string().max(2048).optional(),
});

export type CheckedBatch = z.output<typeof analyticsBatchSchema>;
