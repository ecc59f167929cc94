/** Server-side validation of client presence messages (the types live in `src/protocol/presence.ts`). */
import { z } from 'zod';
import { parseFrame } from './frame-parser.ts';
import { checkMetadata } from '../protocol/metadata.ts';
import { PRESENCE_LIMITS, type ClientMessage, type PresenceErrorCode } from '../protocol/presence.ts';
import { avatarUrlProblem, nameProblem } from '../protocol/profile.ts';

const id = z.string().min(1).max(128);
const name = z.string().min(1).max(256);

const state = z
  .object({
    muted: z.boolean(),
    cameraOff: z.boolean(),
    speaking: z.boolean(),
    handRaised: z.boolean(),
  })
  .partial()
  .strict();

const layer = z
  .object({
    rid: z.string().min(1).max(16),
    width: z.number().int().positive().max(16384).optional(),
    height: z.number().int().positive().max(16384).optional(),
    maxBitrate: z.number().int().positive().max(1e9).optional(),
  })
  .strict();

const track = z
  .object({
    sessionId: id,
    trackName: name,
    kind: z.enum(['audio', 'video']),
    source: z.enum(['camera', 'microphone', 'screen']),
    simulcast: z.array(layer).min(1).max(4).optional(),
  })
  .strict();

const breakoutName = z.string().min(1).max(64);

/** Name, avatar and metadata: checked by the same rules the widget applies before sending. */
const profile = z
  .object({
    name: z.string().superRefine((v, ctx) => {
      const problem = nameProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    // Empty clears it.
    avatarUrl: z.string().superRefine((v, ctx) => {
      const problem = v === '' ? undefined : avatarUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    metadata: z.unknown().transform((v, ctx) => {
      const check = checkMetadata(v);
      if (!check.ok) {
        ctx.addIssue({ code: 'custom', message: check.problem });
        return z.NEVER;
      }
      return check.value;
    }),
  })
  .partial()
  .strict();

const schemas = {
  join: z
    .object({
      type: z.literal('join'),
      token: z.string().min(1).max(4096),
      resumeToken: id.optional(),
      state: state.optional(),
      profile: profile.optional(),
    })
    .strict(),
  publish: z
    .object({
      type: z.literal('publish'),
      tracks: z.array(track).min(1).max(PRESENCE_LIMITS.maxTracksPerParticipant),
    })
    .strict(),
  unpublish: z
    .object({
      type: z.literal('unpublish'),
      trackNames: z.array(name).min(1).max(PRESENCE_LIMITS.maxTracksPerParticipant),
    })
    .strict(),
  state: z.object({ type: z.literal('state'), state }).strict(),
  session: z
    .object({
      type: z.literal('session'),
      session: z.object({ sessionId: id, chat: z.boolean() }).strict(),
    })
    .strict(),
  heartbeat: z.object({ type: z.literal('heartbeat') }).strict(),
  leave: z.object({ type: z.literal('leave') }).strict(),
  'mute-request': z
    .object({
      type: z.literal('mute-request'),
      participantId: id,
      kind: z.enum(['audio', 'video']).optional(),
    })
    .strict(),
  remove: z.object({ type: z.literal('remove'), participantId: id }).strict(),
  'assign-breakouts': z
    .object({
      type: z.literal('assign-breakouts'),
      assignments: z.record(id, breakoutName.nullable()).refine((r) => Object.keys(r).length <= 10_000),
    })
    .strict(),
  'end-breakouts': z.object({ type: z.literal('end-breakouts') }).strict(),
  profile: z.object({ type: z.literal('profile'), profile }).strict(),
  'mute-all': z.object({ type: z.literal('mute-all') }).strict(),
  'room-settings': z
    .object({
      type: z.literal('room-settings'),
      settings: z.object({ locked: z.boolean(), lobby: z.boolean() }).partial().strict(),
    })
    .strict(),
  admit: z.object({ type: z.literal('admit'), participantId: id }).strict(),
  deny: z.object({ type: z.literal('deny'), participantId: id }).strict(),
  'end-meeting': z.object({ type: z.literal('end-meeting') }).strict(),
} satisfies Record<ClientMessage['type'], z.ZodType>;

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: PresenceErrorCode; message: string; ref?: string };

/** Parses one text frame; never throws. */
export function parseClientMessage(text: string): ParseResult {
  return parseFrame<ClientMessage, PresenceErrorCode>(text, schemas, PRESENCE_LIMITS.maxMessageChars, {
    tooLarge: 'too-large',
    badJson: 'bad-json',
    unknownType: 'unknown-type',
    invalid: 'invalid-message',
  });
}
