/**
 * One text frame of a WebSocket protocol (presence, a support line) into a validated message: bounded in
 * characters, JSON, an object, a known `type`, then that type's strict schema. Never throws; each protocol
 * names its own error codes for the ways a frame fails.
 */
import type { z } from 'zod';

export interface FrameErrorCodes<C extends string> {
  tooLarge: C;
  badJson: C;
  unknownType: C;
  invalid: C;
}

export type FrameParse<M, C extends string> =
  { ok: true; message: M } | { ok: false; code: C; message: string; ref?: string };

export function parseFrame<M extends { type: string }, C extends string>(
  text: string,
  schemas: Record<M['type'], z.ZodType>,
  maxChars: number,
  codes: FrameErrorCodes<C>,
): FrameParse<M, C> {
  if (text.length > maxChars) {
    return { ok: false, code: codes.tooLarge, message: `messages are limited to ${maxChars} characters` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: codes.badJson, message: 'message is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: codes.invalid, message: 'message must be a JSON object' };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    return {
      ok: false,
      code: codes.unknownType,
      message: `unknown message type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 64) : (type ?? null))}`,
    };
  }
  const result = schemas[type as M['type']].safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    return { ok: false, code: codes.invalid, message: `${where}${first?.message ?? 'invalid'}`, ref: type };
  }
  return { ok: true, message: result.data as M };
}
