/**
 * What happens on a support line, as facts for the page's backend and for analytics: a customer waited, was
 * answered (after how long, by whom), abandoned the line (after how long, why), a call was transferred or
 * ended (how long it lasted). The line emits them through a `LineEventSink`; the default writes one log line
 * each. An analytics pipeline hooks in by passing its own sink (`NodeQueues`, `QueueObject`).
 */

export type AbandonReason = 'cancelled' | 'left' | 'timed-out';

export type LineEvent =
  | { type: 'waited'; queue: string; ticketId: string; at: number; position: number }
  | {
      type: 'answered';
      queue: string;
      ticketId: string;
      callId: string;
      at: number;
      waitedMs: number;
      agentId: string;
    }
  | {
      type: 'abandoned';
      queue: string;
      ticketId: string;
      at: number;
      waitedMs: number;
      reason: AbandonReason;
    }
  | { type: 'transferred'; queue: string; callId: string; at: number; fromAgentId: string; agentId: string }
  | {
      type: 'ended';
      queue: string;
      ticketId: string;
      callId: string;
      at: number;
      durationMs: number;
      agentId: string;
      reason: string;
    };

export interface LineEventSink {
  record(event: LineEvent): void;
}

/** One line per event through `log` (the server's log). */
export function logSink(log: (line: string) => void): LineEventSink {
  return {
    record: (event) => {
      const { type, queue, ...rest } = event;
      log(`line ${queue}: ${type} ${JSON.stringify(rest)}`);
    },
  };
}
