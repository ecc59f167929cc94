/**
 * The support line: a queue of customers waiting for an agent, over one WebSocket per client at
 * `{endpoint}/queues/{queue}` (queue names are room names). Customers hold an ordinary room token whose `room`
 * is the queue; agents hold one with the `agent` claim (see `token.ts`). When an agent answers, the line mints
 * both sides a room token for a new private call room, and each side joins it as an ordinary room.
 *
 * Every message is a JSON object with a `type`; the server's replies and pushes are below.
 */
import type { Metadata } from './metadata.ts';

// ---- client → server -----------------------------------------------------------------------------------

/** A customer asks for a call; `resume` (from an earlier `waiting`/`answered`) comes back after a drop. */
export interface EnqueueMessage {
  type: 'enqueue';
  token: string;
  metadata?: Metadata;
  resume?: { ticketId: string; key: string };
}

/** An agent signs in to the line (again after a drop: their call in progress comes back). */
export interface AgentMessage {
  type: 'agent';
  token: string;
  available?: boolean;
}

export type LineClientMessage =
  | EnqueueMessage
  | AgentMessage
  /** Customer: leaves the line (or, in a call, hangs up). */
  | { type: 'cancel' }
  | { type: 'heartbeat' }
  /** Agent: available for calls or away. */
  | { type: 'status'; available: boolean }
  /** Agent: takes this customer. Exactly one agent gets a ticket; the others get `taken`. */
  | { type: 'answer'; ticketId: string }
  /** Agent: hands the call to another available agent (their `id`); the customer stays connected. */
  | { type: 'transfer'; callId: string; to: string }
  /** Agent: the call is over. */
  | { type: 'end'; callId: string };

// ---- server → client -----------------------------------------------------------------------------------

/** A waiting customer as agents see them. `since` is the server's clock (ms); compare with `LineMessage.now`. */
export interface WaitingCustomer {
  ticketId: string;
  name: string;
  metadata: Metadata;
  since: number;
}

export interface AgentView {
  /** The agent's `sub`: what `transfer` names. */
  id: string;
  name: string;
  available: boolean;
  busy: boolean;
  connected: boolean;
}

/** To agents: the whole line, whenever it changes (it is short: `QUEUE_LENGTH_LIMIT`). */
export interface LineMessage {
  type: 'line';
  now: number;
  waiting: WaitingCustomer[];
  agents: AgentView[];
  /** Agents signed in, available and not in a call. */
  agentsAvailable: number;
}

/** To a customer while waiting, whenever their place, estimate or the agent count changes. */
export interface WaitingMessage {
  type: 'waiting';
  ticketId: string;
  /** Keep it: `enqueue` with `resume: {ticketId, key}` after a dropped socket. */
  key: string;
  /** 1 = next. */
  position: number;
  /** From recent answer times; null until the line has answered someone. */
  estimatedWaitMs: number | null;
  agentsAvailable: number;
}

/** The call both sides join: a private room and a room token for it. */
export interface CallGrant {
  callId: string;
  room: string;
  token: string;
}

/** To the customer: an agent answered (again after a resume while the call goes on). */
export interface AnsweredMessage extends CallGrant {
  type: 'answered';
  ticketId: string;
  key: string;
  agentName: string;
  waitedMs: number;
}

/** To an agent: the call is theirs (answered, transferred to them, or back after a resume). */
export interface CallMessage extends CallGrant {
  type: 'call';
  ticketId: string;
  customer: { name: string; metadata: Metadata };
  waitedMs: number;
  /** The server's clock when the call started. */
  answeredAt: number;
  /** Handed over by another agent (their name). */
  transferredFrom?: string;
}

export const CALL_END_REASONS = ['ended', 'customer-left', 'agent-left', 'transferred', 'timed-out'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

export type LineServerMessage =
  | LineMessage
  | WaitingMessage
  | AnsweredMessage
  | CallMessage
  /** To the customer: the agent handed the call over; the room stays. */
  | { type: 'agent-changed'; callId: string; agentName: string }
  /** To either side: the call is over (for the agent who transferred it: no longer theirs). */
  | { type: 'call-ended'; callId: string; reason: CallEndReason; durationMs: number }
  /** To the customer: out of the line for good (`unavailable` codes below), or cancelled. */
  | { type: 'closed'; code: LineClosedCode; message: string }
  | { type: 'heartbeat-ack' }
  | LineErrorMessage;

/** Why a customer is out of the line without a call. */
export const LINE_CLOSED_CODES = ['cancelled', 'no-agents', 'line-full', 'timed-out', 'removed'] as const;
export type LineClosedCode = (typeof LINE_CLOSED_CODES)[number];

export const LINE_ERROR_CODES = [
  'invalid-message',
  'unauthorized',
  'not-agent',
  'not-joined',
  'already-joined',
  'already-waiting',
  'rate-limited',
  'invalid-metadata',
  /** Answer: another agent got this customer first. */
  'taken',
  /** Answer: no such customer waiting (cancelled, or never was). */
  'gone',
  /** Answer or transfer while in a call; transfer to someone busy or away. */
  'busy',
  'unknown-call',
  'unknown-agent',
  'resume-failed',
] as const;
export type LineErrorCode = (typeof LINE_ERROR_CODES)[number];

export interface LineErrorMessage {
  type: 'error';
  code: LineErrorCode;
  message: string;
  /** The `type` of the message this answers. */
  ref?: string;
  /** The socket closes after this. */
  fatal?: boolean;
}

export const LINE_LIMITS = {
  /** Largest client frame, in UTF-16 code units. */
  maxMessageChars: 4096,
  heartbeatIntervalMs: 5_000,
  /** A socket silent this long is treated as dropped. */
  staleAfterMs: 15_000,
  /** Agents one line keeps (signed in or coming back). */
  maxAgents: 200,
  /** Enqueues one user (`sub`) may make per minute. */
  enqueuesPerMinute: 6,
} as const;

/** WebSocket close codes of the line (4000-4999 are for applications). */
export const LINE_CLOSE_CODES = {
  unauthorized: 4001,
  closed: 4004,
  replaced: 4010,
  stale: 4011,
  done: 1000,
} as const;
