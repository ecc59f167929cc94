/**
 * Request bodies of the Calls API, validated with zod. Unknown fields are ignored (Cloudflare's clients send
 * extras); wrong types are a `decoding_error`, as the real API answers.
 */
import { z } from 'zod';

const sessionDescription = z.object({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1).max(400_000),
});

const simulcast = z.object({
  preferredRid: z.string().max(64).optional(),
  priorityOrdering: z.enum(['none', 'asciibetical']).optional(),
  ridNotAvailable: z.enum(['none', 'asciibetical']).optional(),
});

const track = z.object({
  location: z.enum(['local', 'remote']).optional(),
  mid: z.string().max(64).optional(),
  sessionId: z.string().max(128).optional(),
  trackName: z.string().max(256).optional(),
  bidirectionalMediaStream: z.boolean().optional(),
  kind: z.string().max(16).optional(),
  simulcast: simulcast.optional(),
});

export const newSessionBody = z.object({ sessionDescription: sessionDescription.optional() }).optional();

export const tracksNewBody = z.object({
  sessionDescription: sessionDescription.optional(),
  tracks: z.array(track).optional(),
  autoDiscover: z.boolean().optional(),
});

export const renegotiateBody = z.object({ sessionDescription: sessionDescription });

export const tracksCloseBody = z.object({
  tracks: z.array(z.object({ mid: z.string().min(1).max(64) })),
  force: z.boolean().optional(),
  sessionDescription: sessionDescription.optional(),
});

export const tracksUpdateBody = z.object({
  tracks: z.array(track),
  sessionDescription: sessionDescription.optional(),
});

const dataChannel = z.object({
  location: z.enum(['local', 'remote']).optional(),
  sessionId: z.string().max(128).optional(),
  dataChannelName: z.string().max(256).optional(),
  ordered: z.boolean().optional(),
  maxRetransmits: z.number().int().min(0).max(65535).optional(),
  maxPacketLifeTime: z.number().int().min(0).max(65535).optional(),
  waitForAck: z.boolean().optional(),
  canReply: z.boolean().optional(),
  id: z.number().int().min(0).max(65534).optional(),
});

export const establishBody = z.object({
  sessionDescription: sessionDescription.optional(),
  dataChannel: dataChannel,
});

export const dataChannelsBody = z.object({ dataChannels: z.array(dataChannel) });

export type TrackInput = z.infer<typeof track>;
export type DataChannelInput = z.infer<typeof dataChannel>;
