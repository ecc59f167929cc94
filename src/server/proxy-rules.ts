/**
 * Which Calls API call is this, and what does it touch? Pure functions over method, path and parsed body;
 * the proxy turns the answer into allow/deny using the room's session bindings.
 */
import type { RoomRole } from '../protocol/token.ts';
import { SESSION_ID_PATTERN, type CallsOperation } from './proxy-schemas.ts';

export type { CallsOperation };

const ROUTES: Record<string, { method: string; op: CallsOperation }> = {
  '': { method: 'GET', op: 'session/get' },
  'tracks/new': { method: 'POST', op: 'tracks/new' },
  renegotiate: { method: 'PUT', op: 'renegotiate' },
  'tracks/close': { method: 'PUT', op: 'tracks/close' },
  'tracks/update': { method: 'PUT', op: 'tracks/update' },
  'datachannels/establish': { method: 'POST', op: 'datachannels/establish' },
  'datachannels/new': { method: 'POST', op: 'datachannels/new' },
  'datachannels/update': { method: 'PUT', op: 'datachannels/update' },
  'datachannels/close': { method: 'PUT', op: 'datachannels/close' },
};

export type Route =
  { op: 'sessions/new' } | { op: Exclude<CallsOperation, 'sessions/new'>; sessionId: string };

/** Maps `METHOD path` (the part after `/api/calls/`) to an operation; undefined for anything else. */
export function routeOf(method: string, path: string): Route | undefined {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === 'sessions/new') return method === 'POST' ? { op: 'sessions/new' } : undefined;
  const m = /^sessions\/([^/]+)(?:\/(.*))?$/.exec(clean);
  if (!m || !m[1] || !SESSION_ID_PATTERN.test(m[1])) return undefined;
  const route = Object.hasOwn(ROUTES, m[2] ?? '') ? ROUTES[m[2] ?? ''] : undefined;
  if (!route || route.method !== method) return undefined;
  return { op: route.op, sessionId: m[1] };
}

/** The path forwarded for a route, rebuilt from what was checked (never the caller's spelling of it). */
export function forwardPath(route: Route): string {
  if (route.op === 'sessions/new') return 'sessions/new';
  return `sessions/${route.sessionId}${route.op === 'session/get' ? '' : `/${route.op}`}`;
}

export interface BodyFacts {
  /** Sessions the call pulls from (remote tracks / data channels). */
  pullFrom: string[];
  /** The call publishes media or a data channel. */
  publishes: boolean;
}

function items(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return Object.values(value);
  return [value];
}

/**
 * What a request body touches. Takes the body as its route's schema (proxy-schemas.ts) output it, which is
 * also exactly what is forwarded; still looks at every track/data channel entry however it is shaped.
 */
export function bodyFacts(op: CallsOperation, body: unknown): BodyFacts {
  const facts: BodyFacts = { pullFrom: [], publishes: false };
  if (typeof body !== 'object' || body === null) return facts;
  const b = body as Record<string, unknown>;
  // `dataChannel` (datachannels/establish) is one entry, not a list of them.
  const entries = [
    ...items(b.tracks),
    ...items(b.dataChannels),
    ...(b.dataChannel !== undefined ? [b.dataChannel] : []),
  ];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.sessionId === 'string') facts.pullFrom.push(e.sessionId);
    else if (e.location === 'local' || e.location === undefined) {
      if (op === 'tracks/new' || op === 'datachannels/new') facts.publishes = true;
    }
    if (e.location === 'local' && (op === 'tracks/new' || op === 'datachannels/new')) facts.publishes = true;
  }
  if (op === 'tracks/new' && b.autoDiscover !== undefined && b.autoDiscover !== false) facts.publishes = true;
  facts.pullFrom = [...new Set(facts.pullFrom)];
  return facts;
}

/** Role rule: viewers only watch (and read chat: they publish no data channel either, see presence.ts). */
export function roleAllows(role: RoomRole, facts: BodyFacts): boolean {
  return role !== 'viewer' || !facts.publishes;
}
