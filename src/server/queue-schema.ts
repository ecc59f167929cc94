/**
 * Server-side validation of support-line client messages (the types live in `src/protocol/queue.ts`).
 * Metadata is checked again with the widget's own rules (`checkMetadata`): whatever a page sends is untrusted.
 */
import { z } from 'zod';
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
  if (text.length > LINE_LIMITS.maxMessageChars) {
    return {
      ok: false,
      code: 'invalid-message',
      message: `messages are limited to ${LINE_LIMITS.maxMessageChars} characters`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid-message', message: 'message is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'invalid-message', message: 'message must be a JSON object' };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    return {
      ok: false,
      code: 'invalid-message',
      message: `unknown message type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 64) : (type ?? null))}`,
    };
  }
  const result = schemas[type as LineClientMessage['type']].safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    return {
      ok: false,
      code: 'invalid-message',
      message: `${where}${first?.message ?? 'invalid'}`,
      ref: type,
    };
  }
  const message = result.data as LineClientMessage;
  if (message.type === 'enqueue' && message.metadata !== undefined) {
    const checked = checkMetadata(message.metadata);
    if (!checked.ok) return { ok: false, code: 'invalid-metadata', message: checked.problem, ref: type };
    message.metadata = checked.value;
  }
  return { ok: true, message };
}
