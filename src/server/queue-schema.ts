/**
 * Server-side validation of support-line client messages (the types live in `src/protocol/queue.ts`).
 * Metadata is checked again with the widget's own rules (`checkMetadata`): whatever a page sends is untrusted.
 */
import { z } from 'zod';
import { parseFrame } from './frame-parser.ts';
import { checkMetadata } from '../protocol/metadata.ts';
import { LINE_LIMITS, type LineClientMessage, type LineErrorCode } from '../protocol/queue.ts';

const id = z.string().min(1).max(128);
const token = z.string().min(1).max(4096);

const schemas = {
  enqueue: z
    .object({
      type: z.literal('enqueue'),
      token,
      metadata: z.unknown().optional(),
      resume: z.object({ ticketId: id, key: id }).strict().optional(),
    })
    .strict(),
  agent: z.object({ type: z.literal('agent'), token, available: z.boolean().optional() }).strict(),
  cancel: z.object({ type: z.literal('cancel') }).strict(),
  heartbeat: z.object({ type: z.literal('heartbeat') }).strict(),
  status: z.object({ type: z.literal('status'), available: z.boolean() }).strict(),
  answer: z.object({ type: z.literal('answer'), ticketId: id }).strict(),
  transfer: z.object({ type: z.literal('transfer'), callId: id, to: z.string().min(1).max(256) }).strict(),
  end: z.object({ type: z.literal('end'), callId: id }).strict(),
} satisfies Record<LineClientMessage['type'], z.ZodType>;

export type LineParseResult =
  | { ok: true; message: LineClientMessage }
  | { ok: false; code: LineErrorCode; message: string; ref?: string };

/** Parses one text frame; never throws. */
export function parseLineMessage(text: string): LineParseResult {
  const parsed = parseFrame<LineClientMessage, LineErrorCode>(text, schemas, LINE_LIMITS.maxMessageChars, {
    tooLarge: 'invalid-message',
    badJson: 'invalid-message',
    unknownType: 'invalid-message',
    invalid: 'invalid-message',
  });
  if (!parsed.ok) return parsed;
  const message = parsed.message;
  if (message.type === 'enqueue' && message.metadata !== undefined) {
    const checked = checkMetadata(message.metadata);
    if (!checked.ok) return { ok: false, code: 'invalid-metadata', message: checked.problem, ref: 'enqueue' };
    message.metadata = checked.value;
  }
  return { ok: true, message };
}
