/**
 * The analytics routes on the backend's app: `POST /api/analytics` (a page's batches), the dashboard's reads
 * `GET /api/analytics/overview` and `GET /api/analytics/calls/:id`, and the dashboard page at `/dashboard`.
 *
 * A batch is refused, and never reaches the store, unless: it fits the size limit, parses, passes the schema,
 * comes with a room token (header) or a beacon token (body) for its own room and participant, is within the
 * clock window, within the participant's rate, and its participant id is not another user's.
 */
import type { Context, Hono } from 'hono';
import { ANALYTICS_LIMITS, type AnalyticsAccepted } from '../protocol/analytics.ts';
import { BodyError, parseJsonBody } from '../protocol/request-body.ts';
import type { CallsErrorBody, CallsErrorCode } from '../protocol/calls.ts';
import type { AnalyticsBackend, Scope } from './analytics-digest.ts';
import { analyticsBatchSchema } from './analytics-schema.ts';
import { createBeaconToken, verifyBeaconToken } from './analytics-tokens.ts';
import { dashboardPage } from './dashboard-page.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { Settings } from './settings.ts';
import { TokenError, verifyRoomToken } from './tokens.ts';
import { schemaProblem } from './schema-problem.ts';

export interface AnalyticsRoutesOptions {
  settings: Settings;
  analytics: AnalyticsBackend;
  now: () => number;
  log: (line: string) => void;
}

const DAY_MS = 86_400_000;

type BodyEnv = { Variables: { body: Uint8Array } };

function callsError(
  c: Context,
  status: number,
  errorCode: CallsErrorCode,
  errorDescription: string,
): Response {
  const body: CallsErrorBody = { errorCode, errorDescription };
  return c.json(body, status as 400);
}

export function mountAnalytics<E extends BodyEnv>(app: Hono<E>, o: AnalyticsRoutesOptions): void {
  const { settings, analytics, now } = o;
  const limiter = new RateLimiter(ANALYTICS_LIMITS.batchesPerMinute / 60, ANALYTICS_LIMITS.batchBurst);
  const refuse = (c: Context, status: number, code: CallsErrorCode, text: string) => {
    if (status === 413) c.header('connection', 'close');
    return callsError(c, status, code, text);
  };

  app.post('/api/analytics', async (c) => {
    const raw = c.var.body;
    if (raw.byteLength > ANALYTICS_LIMITS.maxBatchBytes) {
      return refuse(
        c,
        413,
        'payload_too_large',
        `analytics batches are limited to ${ANALYTICS_LIMITS.maxBatchBytes} bytes`,
      );
    }
    let json: unknown;
    try {
      json = parseJsonBody(raw);
    } catch (e) {
      if (e instanceof BodyError) return refuse(c, e.status, e.errorCode, e.message);
      throw e;
    }
    const parsed = analyticsBatchSchema.safeParse(json);
    if (!parsed.success) {
      return refuse(c, 400, 'invalid_params', `analytics batch: ${schemaProblem(parsed.error)}`);
    }
    const { beaconToken, ...batch } = parsed.data;
    const at = now();

    let sub: string;
    const header = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (header) {
      try {
        const claims = await verifyRoomToken(header, settings.tokenSecret, { now: at });
        if (claims.room !== batch.room)
          return refuse(c, 403, 'forbidden', 'this token reports for its own room only');
        sub = claims.sub;
      } catch (e) {
        return refuse(c, 401, 'unauthorized', e instanceof TokenError ? e.message : 'invalid token');
      }
    } else if (beaconToken) {
      const claims = await verifyBeaconToken(beaconToken, settings.tokenSecret, at);
      if (!claims) return refuse(c, 401, 'unauthorized', 'invalid or expired beacon token');
      if (claims.room !== batch.room || claims.participantId !== batch.participantId)
        return refuse(c, 403, 'forbidden', 'this beacon token reports for its own room and participant only');
      sub = claims.sub;
    } else {
      return refuse(c, 401, 'unauthorized', 'send Authorization: Bearer <room token>');
    }

    if (Math.abs(batch.sentAt - at) > ANALYTICS_LIMITS.maxClockSkewMs) {
      return refuse(c, 400, 'invalid_params', 'analytics batch: sentAt is too far from the server clock');
    }
    const stale = batch.samples.some(
      (s) => Math.abs(s.at - at) > ANALYTICS_LIMITS.maxClockSkewMs + DAY_MS / 24,
    );
    if (stale) return refuse(c, 400, 'invalid_params', 'analytics batch: samples outside the time window');
    if (!limiter.take(`${sub}\u0000${batch.participantId}`, at)) {
      c.header('retry-after', String(Math.ceil(60 / ANALYTICS_LIMITS.batchesPerMinute)));
      return refuse(
        c,
        429,
        'rate_limited',
        `at most ${ANALYTICS_LIMITS.batchesPerMinute} analytics batches per minute per participant`,
      );
    }
    const owner = await analytics.reader.owner(batch.room, batch.participantId);
    if (owner !== undefined && owner !== sub) {
      return refuse(c, 403, 'forbidden', 'this participant id reports for another user');
    }
    try {
      await analytics.sink.submit({ origin: 'client', receivedAt: at, sub, batch });
    } catch {
      o.log(`analytics: submit failed for room ${batch.room}`);
      return refuse(c, 503, 'backend_error', 'analytics are unavailable, try later');
    }
    const body: AnalyticsAccepted = {
      accepted: batch.samples.length + batch.events.length,
      beaconToken: await createBeaconToken(
        settings.tokenSecret,
        { room: batch.room, sub, participantId: batch.participantId },
        at,
      ),
    };
    return c.json(body, 202);
  });

  /** An operator (ADMIN_TOKEN) reads everything, a host token its room. */
  const scopeOf = async (c: Context): Promise<Scope | Response> => {
    const sent = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!sent)
      return callsError(c, 401, 'unauthorized', 'send Authorization: Bearer <ADMIN_TOKEN or host token>');
    if (settings.adminToken && sameText(sent, settings.adminToken)) return { all: true };
    try {
      const claims = await verifyRoomToken(sent, settings.tokenSecret, { now: now() });
      if (claims.role !== 'host')
        return callsError(c, 403, 'forbidden', 'only hosts and operators read analytics');
      return { all: false, room: claims.room };
    } catch {
      return callsError(c, 401, 'unauthorized', 'invalid token');
    }
  };

  app.get('/api/analytics/overview', async (c) => {
    const scope = await scopeOf(c);
    if (scope instanceof Response) return scope;
    const days = Math.min(90, Math.max(1, Number(c.req.query('days') ?? '7') || 7));
    const since = now() - days * DAY_MS;
    const [calls, joinTimes] = await Promise.all([
      analytics.reader.calls(scope, since, 500),
      analytics.reader.joinTimes(scope, since),
    ]);
    return c.json({ scope, since, calls, joinTimes });
  });

  app.get('/api/analytics/calls/:id', async (c) => {
    const scope = await scopeOf(c);
    if (scope instanceof Response) return scope;
    const id = c.req.param('id');
    if (id.length > 200) return callsError(c, 404, 'not_found', 'no such call');
    const detail = await analytics.reader.call(scope, id);
    if (!detail) return callsError(c, 404, 'not_found', 'no such call');
    return c.json(detail);
  });

  app.get('/dashboard', (c) => {
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'",
    );
    c.header('x-frame-options', 'DENY');
    c.header('cache-control', 'no-store');
    return c.html(dashboardPage());
  });
}

/** Compares in constant time for texts of equal length. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
