/**
 * The support line's state, part by part, as every part of the line reads it: the waiting customers, the
 * agents, the calls in progress, the wait estimator, and the connections. Each part owns its own rules;
 * this only puts them in one place.
 */
import { AgentRoster } from './line-agents.ts';
import { CallBook } from './line-calls.ts';
import { LineConnections } from './line-connections.ts';
import { WaitingLine } from './line-waiting.ts';
import { WaitEstimator } from './wait-estimator.ts';

export interface LineState {
  readonly queue: string;
  readonly tickets: WaitingLine;
  readonly agents: AgentRoster;
  readonly calls: CallBook;
  readonly estimator: WaitEstimator;
  readonly conns: LineConnections;
}

export function emptyLine(queue: string, maxAgents: number): LineState {
  return {
    queue,
    tickets: new WaitingLine(queue),
    agents: new AgentRoster(maxAgents),
    calls: new CallBook(),
    estimator: new WaitEstimator(),
    conns: new LineConnections(),
  };
}
