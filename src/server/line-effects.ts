/**
 * What the support line asks of its host (messages to send, sockets to close, events to record) and the
 * builders of the common replies, so every part of the line speaks the same effects.
 */
import type {
  LineClosedCode,
  LineErrorCode,
  LineErrorMessage,
  LineServerMessage,
} from '../protocol/queue.ts';
import { LINE_CLOSE_CODES } from '../protocol/queue.ts';
import type { RoomRole } from '../protocol/token.ts';
import type { LineEvent } from './line-events.ts';

/** A room token the host mints and puts into `message.token` before sending. */
export interface Grant {
  room: string;
  sub: string;
  name: string;
  role: RoomRole;
}

export type LineEffect =
  | { kind: 'send'; to: string[]; message: LineServerMessage; grant?: Grant }
  | { kind: 'close'; conn: string; code: number; reason: string }
  | { kind: 'event'; event: LineEvent };

export function err(code: LineErrorCode, message: string, ref?: string, fatal?: boolean): LineErrorMessage {
  return { type: 'error', code, message, ...(ref ? { ref } : {}), ...(fatal ? { fatal } : {}) };
}

export function reply(conn: string, message: LineServerMessage): LineEffect[] {
  return [{ kind: 'send', to: [conn], message }];
}

export function close(conn: string, code: number, reason: string): LineEffect[] {
  return [{ kind: 'close', conn, code, reason }];
}

/** The last message to a socket, then the socket closed with `reason`. */
export function final(conn: string, message: LineServerMessage, reason: string): LineEffect[] {
  return reply(conn, message).concat(close(conn, LINE_CLOSE_CODES.closed, reason));
}

/** The line is done with this customer (or will not take them): why, then the socket closed. */
export function refuse(conn: string, code: LineClosedCode, message: string): LineEffect[] {
  return final(conn, { type: 'closed', code, message }, code);
}
