/**
 * The Calls HTTP surface over Hono: every SFU endpoint of calls-openapi.yaml, under `/v1/apps/{appId}` and
 * `/apps/{appId}`, bearer-checked against the app secret, JSON read whatever the content type, a JSON body
 * on every response, CORS with preflight. Bodies are read as the backend's proxy reads them
 * (src/protocol/request-body.ts: bounded in bytes, time and depth, no trimming) and their SDP is bounded
 * (src/protocol/sdp-limits.ts) before the media engine sees it.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { z } from 'zod';
import { timingSafeEqual } from 'node:crypto';
import {
  BODY_LIMITS,
  BodyError,
  parseJsonBody,
  readBody as readBodyWithin,
} from '../protocol/request-body.ts';
import { sdpLimitProblem } from '../protocol/sdp-limits.ts';
import { badSdp, CallsError } from './errors.ts';
import type { Sfu } from './sfu.ts';
import type { Session } from './session.ts';
import {
  dataChannelsBody,
  establishBody,
  newSessionBody,
  renegotiateBody,
  tracksCloseBody,
  tracksNewBody,
  tracksUpdateBody,
} from './schemas.ts';

type Env = { Variables: { appId: string } };

export function createSfuApp(sfu: Sfu): Hono<Env> {
  const app = new Hono<Env>();

  app.use(
    '*',
    cors({
      origin: (origin) => origin || '*',
      allowMethods: ['GET', 'POST', 'PUT', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['x-thunderclap'],
      maxAge: 600,
    }),
  );

  app.onError((err, c) => {
    if (err instanceof CallsError) return c.json(err.toJSON(), err.status);
    if (err instanceof BodyError) {
      if (err.aborted)
        console.warn(`sfu: ${c.req.method} ${c.req.path.slice(0, 120)}: upload aborted by the client`);
      // A refused upload may still be arriving: do not keep the connection for it.
      c.header('connection', 'close');
      return c.json({ errorCode: err.errorCode, errorDescription: err.message }, err.status);
    }
    console.error('sfu: unexpected error', err);
    return c.json({ errorCode: 'internal_error', errorDescription: 'Backend error' }, 500);
  });
  app.notFound((c) =>
    c.json(
      { errorCode: 'not_found', errorDescription: `No such endpoint: ${c.req.method} ${c.req.path}` },
      404,
    ),
  );

  const api = new Hono<Env>();

  api.use('*', async (c, next) => {
    const appId = c.req.param('appId') ?? '';
    const secret = sfu.config.apps.get(appId);
    if (secret === undefined) throw new CallsError(404, 'not_found', `App ${appId} not found`);
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    if (!sameSecret(token, secret))
      throw new CallsError(401, 'unauthorized', 'The bearer token is not the secret of this app');
    c.set('appId', appId);
    await next();
  });

  const readBody = async <S extends z.ZodType>(c: Context<Env>, schema: S): Promise<z.infer<S>> => {
    const limit = sfu.config.limits.maxBodyBytes;
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit) throw tooLarge(limit);
    const bytes = await readBodyWithin(c.req.raw.body, {
      maxBytes: limit,
      timeoutMs: sfu.config.limits.bodyTimeoutMs ?? BODY_LIMITS.timeoutMs,
    });
    const json = parseJsonBody(bytes);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ');
      throw new CallsError(400, 'decoding_error', `JSON body validation error: ${where}`);
    }
    const sdp = (parsed.data as { sessionDescription?: { sdp?: unknown } } | undefined)?.sessionDescription
      ?.sdp;
    const problem = typeof sdp === 'string' ? sdpLimitProblem(sdp) : undefined;
    if (problem) throw badSdp(problem);
    return parsed.data;
  };

  const withSession = async <T>(c: Context<Env>, task: (s: Session) => Promise<T> | T): Promise<T> => {
    const session = sfu.session(c.get('appId'), c.req.param('sessionId') ?? '');
    session.admit();
    return session.exclusive(async () => {
      if (session.closed) throw new CallsError(410, 'session_error', 'Session closed');
      return task(session);
    });
  };

  api.post('/sessions/new', async (c) => {
    const body = await readBody(c, newSessionBody);
    const session = sfu.newSession(c.get('appId'));
    const offer = body?.sessionDescription;
    if (!offer) return c.json({ sessionId: session.id }, 201);
    if (offer.type !== 'offer') {
      await session.close();
      throw new CallsError(400, 'invalid_session_description', 'sessions/new takes an offer');
    }
    try {
      const answer = await session.exclusive(() => session.acceptLegacyOffer(offer.sdp));
      return c.json({ sessionId: session.id, sessionDescription: { type: 'answer', sdp: answer } }, 201);
    } catch (e) {
      await session.close();
      throw e;
    }
  });

  api.get('/sessions/:sessionId', (c) => {
    const session = sfu.session(c.get('appId'), c.req.param('sessionId'));
    session.admit();
    return c.json(session.state());
  });

  api.post('/sessions/:sessionId/tracks/new', async (c) => {
    const body = await readBody(c, tracksNewBody);
    return c.json(await withSession(c, (s) => s.newTracks(body)));
  });
  api.put('/sessions/:sessionId/renegotiate', async (c) => {
    const body = await readBody(c, renegotiateBody);
    return c.json(await withSession(c, (s) => s.renegotiate(body)));
  });
  api.put('/sessions/:sessionId/tracks/close', async (c) => {
    const body = await readBody(c, tracksCloseBody);
    return c.json(await withSession(c, (s) => s.closeTracks(body)));
  });
  api.put('/sessions/:sessionId/tracks/update', async (c) => {
    const body = await readBody(c, tracksUpdateBody);
    return c.json(await withSession(c, (s) => s.updateTracks(body)));
  });
  api.post('/sessions/:sessionId/datachannels/establish', async (c) => {
    const body = await readBody(c, establishBody);
    return c.json(await withSession(c, (s) => s.establishDataChannels(body)));
  });
  api.post('/sessions/:sessionId/datachannels/new', async (c) => {
    const body = await readBody(c, dataChannelsBody);
    return c.json(await withSession(c, (s) => s.newDataChannels(body)));
  });
  api.put('/sessions/:sessionId/datachannels/update', async (c) => {
    const body = await readBody(c, dataChannelsBody);
    return c.json(await withSession(c, (s) => s.updateDataChannels(body)));
  });
  api.put('/sessions/:sessionId/datachannels/close', async (c) => {
    const body = await readBody(c, dataChannelsBody);
    return c.json(await withSession(c, (s) => s.closeDataChannels(body)));
  });

  app.route('/v1/apps/:appId', api);
  app.route('/apps/:appId', api);
  return app;
}

function tooLarge(limit: number): CallsError {
  return new CallsError(413, 'payload_too_large', `The request body is larger than ${limit} bytes`);
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
