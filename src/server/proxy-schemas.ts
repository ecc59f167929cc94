/**
 * The request body each Calls API route may carry through the proxy, after calls-openapi.yaml, with bounds.
 * A body that fails its schema is refused; one that passes is forwarded as the schema's output (fields the
 * API does not define are dropped), so Cloudflare and the embedded SFU see exactly what the rules checked.
 * Required fields are those the embedded SFU requires (test/server/proxy-schemas.node.test.ts holds the
 * two sets of schemas together).
 */
import { z } from 'zod';
import { MAX_TRACKS_PER_CALL } from '../protocol/calls.ts';
import { SDP_LIMITS } from '../protocol/sdp-limits.ts';

/** The Calls API calls the proxy forwards (`proxy-rules.ts` maps method and path to one). */
export type CallsOperation =
  | 'sessions/new'
  | 'session/get'
  | 'tracks/new'
  | 'renegotiate'
  | 'tracks/close'
  | 'tracks/update'
  | 'datachannels/establish'
  | 'datachannels/new'
  | 'datachannels/update'
  | 'datachannels/close';

/** A Calls session id as the proxy accepts it in paths and bodies. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const sessionId = z.string().regex(SESSION_ID_PATTERN, 'expected a session id');
const location = z.enum(['local', 'remote']);

const sessionDescription = z.object({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1).max(SDP_LIMITS.maxChars),
});

const ordering = z.enum(['none', 'asciibetical']);

const track = z.object({
  location: location.optional(),
  mid: z.string().max(64).optional(),
  sessionId: sessionId.optional(),
  trackName: z.string().max(256).optional(),
  bidirectionalMediaStream: z.boolean().optional(),
  kind: z.string().max(16).optional(),
  simulcast: z
    .object({
      preferredRid: z.string().max(64).optional(),
      priorityOrdering: ordering.optional(),
      ridNotAvailable: ordering.optional(),
    })
    .optional(),
});

const tracks = z.array(track).max(MAX_TRACKS_PER_CALL);

const dataChannel = z.object({
  location: location.optional(),
  sessionId: sessionId.optional(),
  dataChannelName: z.string().max(256).optional(),
  ordered: z.boolean().optional(),
  maxRetransmits: z.number().int().min(0).max(65535).optional(),
  maxPacketLifeTime: z.number().int().min(0).max(65535).optional(),
  waitForAck: z.boolean().optional(),
  canReply: z.boolean().optional(),
  id: z.number().int().min(0).max(65534).optional(),
});

const dataChannels = z.object({ dataChannels: z.array(dataChannel).max(MAX_TRACKS_PER_CALL) });

/** Per operation: the body schema; `undefined` body allowed where the schema is optional; `null` = no body. */
export const PROXY_BODIES: Record<CallsOperation, z.ZodType | null> = {
  'sessions/new': z.object({ sessionDescription: sessionDescription.optional() }).optional(),
  'session/get': null,
  'tracks/new': z.object({
    sessionDescription: sessionDescription.optional(),
    tracks: tracks.optional(),
    autoDiscover: z.boolean().optional(),
  }),
  renegotiate: z.object({ sessionDescription }),
  'tracks/close': z.object({
    tracks: z.array(z.object({ mid: z.string().min(1).max(64) })).max(MAX_TRACKS_PER_CALL),
    force: z.boolean().optional(),
    sessionDescription: sessionDescription.optional(),
  }),
  'tracks/update': z.object({ tracks, sessionDescription: sessionDescription.optional() }),
  'datachannels/establish': z.object({
    sessionDescription: sessionDescription.optional(),
    dataChannel,
  }),
  'datachannels/new': dataChannels,
  'datachannels/update': dataChannels,
  'datachannels/close': dataChannels,
};

/** Query parameters the proxy forwards, per operation (calls-openapi.yaml defines them on sessions/new only). */
export const PROXY_QUERIES: Partial<Record<CallsOperation, Record<string, RegExp>>> = {
  'sessions/new': { thirdparty: /^(true|false)$/, correlationId: /^[\x20-\x7e]{1,256}$/ },
};
