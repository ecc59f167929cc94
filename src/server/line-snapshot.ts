/**
 * What of a support line survives a restart, and how it comes back: everything but connections. A line
 * brought back has everyone away as of the restart, with the grace to come back to their place or call.
 */
import type { Agent } from './line-agents.ts';
import type { Call } from './line-calls.ts';
import type { LineState } from './line-state.ts';
import type { Ticket } from './line-waiting.ts';

export interface LineSnapshot {
  tickets: Omit<Ticket, 'disconnectedAt'>[];
  agents: Omit<Agent, 'disconnectedAt'>[];
  calls: Omit<Call, 'customerDisconnectedAt'>[];
  /** Recent milliseconds per place in line, newest last. */
  perPlace: number[];
}

export function snapshotOf(s: LineState): LineSnapshot {
  return structuredClone({
    tickets: s.tickets.values().map(({ disconnectedAt: _, ...t }) => t),
    agents: s.agents.values().map(({ disconnectedAt: _, ...a }) => a),
    calls: s.calls.values().map(({ customerDisconnectedAt: _, ...c }) => c),
    perPlace: s.estimator.samples(),
  });
}

/** Fills an empty line with `snapshot`, everyone away as of `now`. */
export function restoreLine(s: LineState, snapshot: LineSnapshot, now: number): void {
  for (const t of snapshot.tickets) s.tickets.restore({ ...t, disconnectedAt: now });
  for (const a of snapshot.agents) s.agents.restore({ ...a, disconnectedAt: now });
  for (const c of snapshot.calls) s.calls.restore({ ...c, customerDisconnectedAt: now });
  s.estimator.restore(snapshot.perPlace);
}
