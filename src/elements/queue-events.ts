/** The support line's DOM events: the customer's `calls-queue-change` and the agent desk's `calls-desk-call`. */
import type { RoomErrorCode } from '../client/room-types.ts';
import type { Metadata } from '../protocol/metadata.ts';

abstract class LineEvent<D> extends Event {
  readonly detail: D;
  constructor(type: string, detail: D) {
    super(type, { bubbles: true, composed: true });
    this.detail = Object.freeze(detail);
  }
}

export interface QueueChangeDetail {
  /**
   * `waiting` (with `position`, `estimatedWaitMs`, `agentsAvailable`), `answered` (with `waitedMs`,
   * `agentName`), `abandoned` (the customer left the line), `unavailable` (with `code`: no agent, line full,
   * timed out, failed), `ended` (the call is over).
   */
  state: 'waiting' | 'answered' | 'abandoned' | 'unavailable' | 'ended';
  position?: number;
  estimatedWaitMs?: number | null;
  agentsAvailable?: number;
  waitedMs?: number;
  agentName?: string;
  code?: RoomErrorCode;
}

export class CallsQueueChangeEvent extends LineEvent<QueueChangeDetail> {
  static readonly eventName = 'calls-queue-change';
  constructor(detail: QueueChangeDetail) {
    super(CallsQueueChangeEvent.eventName, detail);
  }
}

export interface DeskCallDetail {
  /** `answered` (by this agent, or transferred to them), `ended`, or `transferred` (handed to another agent). */
  state: 'answered' | 'ended' | 'transferred';
  callId: string;
  ticketId?: string;
  customer?: { name: string; metadata: Metadata };
  waitedMs?: number;
  durationMs?: number;
  reason?: string;
}

export class CallsDeskCallEvent extends LineEvent<DeskCallDetail> {
  static readonly eventName = 'calls-desk-call';
  constructor(detail: DeskCallDetail) {
    super(CallsDeskCallEvent.eventName, detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'calls-queue-change': CallsQueueChangeEvent;
    'calls-desk-call': CallsDeskCallEvent;
  }
}
