/**
 * The backend as one Hono app: dev tokens, ICE servers, the authorizing Calls proxy, and the presence route.
 * Runtime specifics (where rooms live, how WebSockets are accepted) come in through `RoomsBackend`.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import type { CallsErrorBody, CallsErrorCode } from '../protocol/calls.ts';
import { BODY_LIMITS, BodyError, parseJsonBody, readBody } from '../protocol/request-body.ts';
import { sdpLimitProblem } from '../protocol/sdp-limits.ts';
import { ROOM_NAME_PATTERN, ROOM_ROLES, type RoomRole, type RoomTokenClaims } from '../protocol/token.ts';
import { bodyFacts, forwardPath, roleAllows, routeOf } from './proxy-rules.ts';
import { PROXY_BODIES, PROXY_QUERIES } from './proxy-schemas.ts';
import type { AnalyticsBackend } from './analytics-digest.ts';
import { mountAnalytics } from './analytics-routes.ts';
import { RateLimiter } from './rate-limiter.ts';
import { mountQueueRoutes, type QueuesBackend } from './queue-routes.ts';
import { isRecordingChunk, mountRecordingRoutes, type Recordings } from './recording-routes.ts';
import type { AccessDecision } from './session-bindings.ts';
import type { Settings } from './settings.ts';
import { createRoomToken, TokenError, verifyRoomToken } from './tokens.ts';
import { schemaProblem } from './schema-problem.ts';

/** Where rooms live: in this process (Node) or in Durable Objects (Workers). */
export interface RoomsBackend {
  bindSession(
    room: string,
    sessionId: string,
    owner: { sub: string; role: RoomRole },
  ): Promise<AccessDecision>;
  authorize(
    room: string,
    caller: { sub: string; role?: RoomRole },
    check: { sessionId?: string; pullFrom?: string[] },
  ): Promise<AccessDecision>;
  /** Accepts the presence WebSocket (Workers). Node upgrades sockets outside Hono and leaves this out. */
  presence?(room: string, c: Context): Promise<Response>;
}

export interface AppOptions {
  settings: Settings;
  rooms: RoomsBackend;
  /** Where support lines live (`/api/queues/*`); without it the routes answer 404. */
  queues?: QueuesBackend;
  /** The Calls API base to proxy to (the embedded SFU's URL on Node when CALLS_API is unset). */
  callsApi: string;
  fetch?: typeof fetch;
  now?: () => number;
  log?: (line: string) => void;
  /** How long a request body may take to arrive before 408 (default BODY_LIMITS.timeoutMs). */
  bodyTimeoutMs?: number;
  /** Recording storage and each room's recorder state (`recording-routes.ts`); none: no recording routes. */
  recordings?: Recordings;
  /** Call-quality analytics (`POST /api/analytics`, the dashboard); none: those routes answer 404. */
  analytics?: AnalyticsBackend;
}

type Env = { Variables: { claims: RoomTokenClaims; body: Uint8Array } };

export function callsError(
  c: Context,
  status: number,
  errorCode: CallsErrorCode,
  errorDescription: string,
): Response {
  const body: CallsErrorBody = { errorCode, errorDescription };
  return c.json(body, status as 400);
}

function refuse(c: Context, e: BodyError): Response {
  // A refused upload may still be arriving: do not keep the connection for it.
  c.header('connection', 'close');
  return callsError(c, e.status, e.errorCode, e.message);
}

const tokenRequest = z.object({
  room: z.string().regex(ROOM_NAME_PATTERN, 'room: 1-64 letters, digits, _ or -'),
  name: z.string().trim().min(1).max(64),
  role: z.enum(ROOM_ROLES).optional(),
  agent: z.boolean().optional(),
});

export function createApp(options: AppOptions): Hono<Env> {
  const { settings, rooms } = options;
  const upstreamFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const limiter = new RateLimiter(settings.rateLimitPerSecond, settings.rateLimitBurst);
  const callsBase = `${options.callsApi.replace(/\/+$/, '')}/apps/${encodeURIComponent(settings.appId)}`;
  const redact = (text: string) =>
    settings.appSecret && text.includes(settings.appSecret)
      ? text.split(settings.appSecret).join('[redacted]')
      : text;

  const app = new Hono<Env>();

  if (settings.allowedOrigins.length > 0) {
    const any = settings.allowedOrigins.includes('*');
    app.use(
      '/api/*',
      cors({
        origin: any ? (origin) => origin || '*' : settings.allowedOrigins,
        allowHeaders: ['authorization', 'content-type'],
        allowMethods: ['GET', 'POST', 'PUT', 'OPTIONS'],
        exposeHeaders: ['content-range', 'accept-ranges', 'content-length'],
        maxAge: 600,
      }),
    );
  }

  // Every body is read here, bounded in bytes and in time (a chunked body has no length to check first; a
  // trickling one would hold the request open), before any route looks at it.
  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_LIMITS.timeoutMs;
  app.use('/api/*', async (c: Context<Env>, next) => {
    // Recording chunks are bigger: their route reads them with its own bound.
    if (options.recordings && isRecordingChunk(c.req.method, c.req.path)) return next();
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > settings.maxBodyBytes) {
      return refuse(
        c,
        new BodyError(
          413,
          'payload_too_large',
          `request bodies are limited to ${settings.maxBodyBytes} bytes`,
        ),
      );
    }
    try {
      c.set(
        'body',
        await readBody(c.req.raw.body, { maxBytes: settings.maxBodyBytes, timeoutMs: bodyTimeoutMs }),
      );
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      if (e.aborted) log(`${c.req.method} ${c.req.path.slice(0, 100)}: upload aborted by the client`);
      else if (e.status === 408) log(`${c.req.method} ${c.req.path.slice(0, 100)}: body too slow, cut off`);
      return refuse(c, e);
    }
    await next();
  });

  app.get('/api/health', (c) => c.json({ ok: true }));

  app.post('/api/token', async (c) => {
    if (!settings.openTokens)
      return callsError(c, 404, 'not_found', 'open tokens are off: mint tokens on your backend');
    let body: unknown;
    try {
      body = parseJsonBody(c.var.body);
    } catch (e) {
      if (e instanceof BodyError) return refuse(c, e);
      throw e;
    }
    const parsed = tokenRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return callsError(
        c,
        400,
        'invalid_params',
        `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const role = parsed.data.role ?? 'guest';
    const agent = parsed.data.agent === true;
    if (
      (role === 'host' || agent) &&
      !devHostKeyMatches(settings.devHostKey, c.req.header('authorization'))
    ) {
      return callsError(
        c,
        403,
        'forbidden',
        `the open token endpoint does not mint ${agent ? 'agent' : 'host'} tokens: a dev host sends Authorization: Bearer <DEV_HOST_KEY>`,
      );
    }
    const { token, expiresAt } = await createRoomToken({
      secret: settings.tokenSecret,
      sub: crypto.randomUUID(),
      name: parsed.data.name,
      room: parsed.data.room,
      role,
      ...(agent ? { agent } : {}),
      ttlSeconds: settings.tokenTtlSeconds,
      now: now(),
    });
    return c.json({ token, expiresAt });
  });

  const authenticate = async (c: Context<Env>): Promise<RoomTokenClaims | Response> => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) return callsError(c, 401, 'unauthorized', 'send Authorization: Bearer <room token>');
    try {
      return await verifyRoomToken(m[1], settings.tokenSecret, { now: now() });
    } catch (e) {
      return callsError(c, 401, 'unauthorized', e instanceof TokenError ? e.message : 'invalid token');
    }
  };

  app.get('/api/ice-servers', async (c) => {
    if (!settings.turnKeyId || !settings.turnKeyApiToken) {
      // The embedded SFU is reached directly on this machine; Cloudflare's anycast SFU needs only STUN.
      return c.json({
        iceServers: options.settings.callsApi ? [{ urls: ['stun:stun.cloudflare.com:3478'] }] : [],
      });
    }
    // TURN credentials cost money: only for holders of a room token.
    const claims = await authenticate(c);
    if (claims instanceof Response) return claims;
    const url = `${settings.turnApi}/turn/keys/${encodeURIComponent(settings.turnKeyId)}/credentials/generate-ice-servers`;
    try {
      const res = await upstreamFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${settings.turnKeyApiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ttl: 86_400 }),
      });
      if (!res.ok) return callsError(c, 502, 'backend_error', `TURN credentials failed: HTTP ${res.status}`);
      const data = (await res.json()) as { iceServers?: { urls: string | string[] }[] };
      // Browsers block port 53; drop those URLs as Cloudflare's docs advise.
      const iceServers = (data.iceServers ?? []).map((s) => ({
        ...s,
        urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => !/:53(\?|$)/.test(u)),
      }));
      return c.json({ iceServers });
    } catch {
      return callsError(c, 502, 'backend_error', 'TURN service unreachable');
    }
  });

  app.all('/api/calls/*', async (c) => {
    const url = new URL(c.req.url);
    const path = url.pathname.slice('/api/calls/'.length);
    const claims = await authenticate(c);
    if (claims instanceof Response) return claims;
    if (!limiter.take(claims.sub, now())) {
      c.header('retry-after', '1');
      return callsError(
        c,
        429,
        'rate_limited',
        `at most ${settings.rateLimitPerSecond} requests per second per user`,
      );
    }
    const route = routeOf(c.req.method, path);
    if (!route)
      return callsError(c, 404, 'not_found', `no such Calls API call: ${c.req.method} ${path.slice(0, 100)}`);
    const checked = checkRequest(route.op, url.searchParams, c.req.raw.headers, c.var.body);
    if (checked instanceof BodyError) return refuse(c, checked);

    const facts = bodyFacts(route.op, checked.body);
    if (!roleAllows(claims.role, facts)) {
      return callsError(c, 403, 'forbidden', 'viewers cannot publish tracks or data channels');
    }
    const decision = await rooms.authorize(claims.room, claims, {
      ...(route.op !== 'sessions/new' ? { sessionId: route.sessionId } : {}),
      pullFrom: facts.pullFrom,
    });
    if (!decision.ok) {
      // An own session the room does not know (its binding is gone): 410, as the SFU answers for a session
      // it lost, so the widget replaces it instead of retrying a refusal.
      return decision.gone
        ? callsError(c, 410, 'session_error', decision.reason)
        : callsError(c, 403, 'forbidden', decision.reason);
    }

    // Forwarded: the path rebuilt from the route, the checked query, and the body the rules saw.
    const target = `${callsBase}/${forwardPath(route)}${checked.query}`;
    let upstream: Response;
    try {
      upstream = await upstreamFetch(target, {
        method: c.req.method,
        headers: { authorization: `Bearer ${settings.appSecret}`, 'content-type': 'application/json' },
        ...(checked.body !== undefined ? { body: JSON.stringify(checked.body) } : {}),
      });
    } catch {
      log(`calls ${route.op} by ${claims.sub}: upstream unreachable`);
      return callsError(c, 502, 'backend_error', 'the Calls API could not be reached');
    }
    const text = redact(await upstream.text());
    if (route.op === 'sessions/new' && upstream.status >= 200 && upstream.status < 300) {
      const sessionId = safeSessionId(text);
      if (sessionId) {
        const bound = await rooms.bindSession(claims.room, sessionId, { sub: claims.sub, role: claims.role });
        if (!bound.ok) return callsError(c, 403, 'forbidden', bound.reason);
      }
    }
    log(`calls ${route.op} room=${claims.room} user=${claims.sub} -> ${upstream.status}`);
    return new Response(text, {
      status: upstream.status,
      headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' },
    });
  });

  app.get('/api/rooms/:room', async (c) => {
    const room = c.req.param('room');
    if (!ROOM_NAME_PATTERN.test(room)) return callsError(c, 404, 'not_found', 'no such room');
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return callsError(c, 426, 'invalid_params', 'presence is a WebSocket: connect with Upgrade: websocket');
    }
    if (!originAllowed(c.req.header('origin'), settings.allowedOrigins, url(c).origin)) {
      return callsError(c, 403, 'forbidden', 'origin not allowed');
    }
    if (!rooms.presence)
      return callsError(c, 426, 'invalid_params', 'WebSocket upgrade is handled by the server');
    return rooms.presence(room, c);
  });

  if (options.analytics) mountAnalytics(app, { settings, analytics: options.analytics, now, log });
  mountQueueRoutes(app, settings, options.queues);
  if (options.recordings) {
    mountRecordingRoutes(app, {
      recordings: options.recordings,
      tokenSecret: settings.tokenSecret,
      now,
      log,
    });
  }

  app.all('/api/*', (c) => callsError(c, 404, 'not_found', 'no such endpoint'));

  return app;
}

const url = (c: Context) => new URL(c.req.url);

/** Browsers always send Origin on WebSockets; other clients may not (they hold a token all the same). */
export function originAllowed(origin: string | undefined, allowed: string[], self: string): boolean {
  if (!origin) return true;
  if (origin === self) return true;
  return allowed.includes('*') || allowed.includes(origin);
}

/** Compares in constant time for keys of equal length. */
function devHostKeyMatches(key: string | undefined, header: string | undefined): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!key || !sent || sent.length !== key.length) return false;
  let diff = 0;
  for (let i = 0; i < key.length; i++) diff |= key.charCodeAt(i) ^ sent.charCodeAt(i);
  return diff === 0;
}

/**
 * The one strict reading of a proxied call: its query, then its body parsed once and validated against the
 * route's schema, then its SDP within bounds. Returns what may be forwarded (the schema's output), or why not.
 */
export function checkRequest(
  op: keyof typeof PROXY_BODIES,
  query: URLSearchParams,
  headers: Headers,
  raw: Uint8Array,
): { body: unknown; query: string } | BodyError {
  const allowed = PROXY_QUERIES[op] ?? {};
  const forwarded = new URLSearchParams();
  for (const [name, value] of query) {
    const pattern = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
    if (!pattern || !pattern.test(value) || forwarded.has(name)) {
      return new BodyError(400, 'invalid_params', `query parameter not allowed here: ${name.slice(0, 64)}`);
    }
    forwarded.set(name, value);
  }
  const queryText = forwarded.size > 0 ? `?${forwarded.toString()}` : '';
  const schema = PROXY_BODIES[op];
  if (schema === null) {
    // A GET carries no body: a Content-Length or Transfer-Encoding says it does, whatever was read.
    const length = headers.get('content-length');
    if (raw.byteLength > 0 || headers.has('transfer-encoding') || (length !== null && length !== '0'))
      return new BodyError(400, 'decoding_error', 'this call takes no request body');
    return { body: undefined, query: queryText };
  }
  let json: unknown;
  try {
    json = parseJsonBody(raw);
  } catch (e) {
    if (e instanceof BodyError) return e;
    throw e;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return new BodyError(400, 'decoding_error', `JSON body validation error: ${schemaProblem(parsed.error)}`);
  }
  const body: unknown = parsed.data;
  const sdp = (body as { sessionDescription?: { sdp?: unknown } } | undefined)?.sessionDescription?.sdp;
  const problem = typeof sdp === 'string' ? sdpLimitProblem(sdp) : undefined;
  if (problem) return new BodyError(400, 'invalid_session_description', problem);
  return { body, query: queryText };
}

function safeSessionId(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { sessionId?: unknown };
    return typeof body.sessionId === 'string' ? body.sessionId : undefined;
  } catch {
    return undefined;
  }
}
