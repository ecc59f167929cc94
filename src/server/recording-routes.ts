/**
 * The recording routes (see src/protocol/recording.ts), mounted on the app by `createApp` when the backend
 * has recordings. Starting, chunks and stopping go to the room's `RecordingService` through
 * `RecordingRooms` (in this process on Node, in the room's Durable Object on Workers); listing and
 * downloading read the store directly. Only hosts of the room get anywhere: a missing or invalid token, a
 * guest, a viewer or another room's host gets 403 `forbidden`.
 */
import type { Context, Env, Hono } from 'hono';
import { RECORDING_ID_PATTERN, RECORDING_LIMITS, type RecordingErrorCode } from '../protocol/recording.ts';
import { BodyError, readBody } from '../protocol/request-body.ts';
import { ROOM_NAME_PATTERN, type RoomTokenClaims } from '../protocol/token.ts';
import type { RecordingAnswer, RecordingCaller } from './recording-service.ts';
import { publicInfo } from './recording-service.ts';
import type { ByteRange, RecordingStore } from './recording-store.ts';
import { createTicket, ticketAllows } from './recording-tickets.ts';
import { DAY_MS, expired } from './recording-retention.ts';
import { verifyRoomToken } from './tokens.ts';

/** Where each room's `RecordingService` runs. */
export interface RecordingRooms {
  start(room: string, caller: RecordingCaller): Promise<RecordingAnswer>;
  chunk(
    room: string,
    caller: RecordingCaller,
    id: string,
    seq: number,
    ms: number,
    bytes: Uint8Array,
  ): Promise<RecordingAnswer>;
  stop(room: string, caller: RecordingCaller, id: string): Promise<RecordingAnswer>;
}

export interface Recordings {
  rooms: RecordingRooms;
  store: RecordingStore;
  /** Finished recordings older than this are deleted (at the next listing of their room). */
  retentionDays: number;
}

export interface RecordingRoutesOptions {
  recordings: Recordings;
  tokenSecret: string;
  now: () => number;
  log: (line: string) => void;
}

/** How long a chunk may take to arrive (a few MiB on a slow uplink). */
const CHUNK_TIMEOUT_MS = 60_000;

const fail = (c: Context, status: number, errorCode: RecordingErrorCode, errorDescription: string) =>
  c.json({ errorCode, errorDescription }, status as 400);

const answer = (c: Context, a: RecordingAnswer) => c.json(a.body as object, a.status as 200);

export function mountRecordingRoutes<E extends Env>(app: Hono<E>, options: RecordingRoutesOptions): void {
  const { recordings, tokenSecret, now, log } = options;
  const { store } = recordings;

  /** The caller's claims when they are a host of `room` (any room when undefined). */
  const host = async (c: Context, room?: string): Promise<RoomTokenClaims | undefined> => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) return undefined;
    try {
      const claims = await verifyRoomToken(token, tokenSecret, { now: now() });
      return claims.role === 'host' && (room === undefined || claims.room === room) ? claims : undefined;
    } catch {
      return undefined;
    }
  };
  const forbidden = (c: Context) =>
    fail(c, 403, 'forbidden', 'recordings are for hosts of the room: send a host token of this room');

  app.post('/api/recordings', async (c) => {
    // `?room=` is optional (the token names the room) but, when given, must be the token's.
    const claims = await host(c, c.req.query('room'));
    if (!claims) return forbidden(c);
    return answer(c, await recordings.rooms.start(claims.room, claims));
  });

  app.put('/api/recordings/:id/chunks/:seq', async (c) => {
    const claims = await host(c, c.req.query('room') ?? '');
    if (!claims) {
      c.header('connection', 'close');
      return forbidden(c);
    }
    const id = c.req.param('id');
    const seq = Number(c.req.param('seq'));
    const ms = Number(c.req.query('ms'));
    if (!RECORDING_ID_PATTERN.test(id) || !Number.isInteger(seq) || seq < 0) {
      return fail(c, 400, 'invalid_params', 'PUT /recordings/{id}/chunks/{seq} with seq 0, 1, 2, ...');
    }
    if (!Number.isFinite(ms) || ms < 0 || ms > 7 * DAY_MS) {
      return fail(c, 400, 'invalid_params', 'ms: the media time up to the end of this chunk, in ms');
    }
    let bytes: Uint8Array;
    try {
      bytes = await readBody(c.req.raw.body, {
        maxBytes: RECORDING_LIMITS.maxChunkBytes,
        timeoutMs: CHUNK_TIMEOUT_MS,
      });
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      c.header('connection', 'close');
      if (e.aborted) log(`recording ${id} chunk ${seq}: upload aborted by the client`);
      return fail(c, e.status, e.status === 413 ? 'payload_too_large' : 'invalid_params', e.message);
    }
    if (bytes.byteLength === 0) return fail(c, 400, 'invalid_params', 'a chunk has bytes');
    return answer(c, await recordings.rooms.chunk(claims.room, claims, id, seq, ms, bytes));
  });

  app.post('/api/recordings/:id/stop', async (c) => {
    const claims = await host(c, c.req.query('room') ?? '');
    if (!claims) return forbidden(c);
    const id = c.req.param('id');
    if (!RECORDING_ID_PATTERN.test(id)) return fail(c, 404, 'not_found', 'no such recording');
    return answer(c, await recordings.rooms.stop(claims.room, claims, id));
  });

  app.get('/api/recordings', async (c) => {
    const room = c.req.query('room') ?? '';
    if (!ROOM_NAME_PATTERN.test(room)) return fail(c, 400, 'invalid_params', 'room: the room to list');
    if (!(await host(c, room))) return forbidden(c);
    const infos = await store.listInfos(room);
    const base = new URL(c.req.url);
    const listed = [];
    for (const info of infos) {
      if (expired(info, recordings.retentionDays, now())) {
        await store.deleteRecording(room, info.id, info.chunks);
        continue;
      }
      const ticket = await createTicket(tokenSecret, room, info.id, now());
      const url = new URL(`/api/recordings/${info.id}`, base);
      url.searchParams.set('room', room);
      url.searchParams.set('ticket', ticket);
      listed.push({
        ...publicInfo(info),
        ...(info.size > 0 && info.endedAt ? { downloadUrl: url.href } : {}),
      });
    }
    listed.sort((a, b) => b.startedAt - a.startedAt);
    return c.json({ recordings: listed });
  });

  app.get('/api/recordings/:id', async (c) => {
    const id = c.req.param('id');
    const room = c.req.query('room') ?? '';
    if (!ROOM_NAME_PATTERN.test(room) || !RECORDING_ID_PATTERN.test(id)) return forbidden(c);
    const ticket = c.req.query('ticket');
    const allowed = ticket
      ? await ticketAllows(ticket, tokenSecret, room, id, now())
      : (await host(c, room)) !== undefined;
    if (!allowed) return forbidden(c);
    const size = await store.fileSize(room, id);
    if (size === undefined) return fail(c, 404, 'not_found', 'no such recording file (still recording?)');
    const headers: Record<string, string> = {
      'content-type': 'video/webm',
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
    };
    const header = c.req.header('range');
    const range = header ? parseRange(header, size) : undefined;
    if (header && !range) {
      return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
    }
    const file = await store.readFile(room, id, range);
    if (!file) return fail(c, 404, 'not_found', 'no such recording file');
    if (range) {
      headers['content-range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`;
      headers['content-length'] = String(range.length);
      return new Response(file.body, { status: 206, headers });
    }
    headers['content-length'] = String(size);
    return new Response(file.body, { status: 200, headers });
  });
}

/** One `bytes=` range (`a-b`, `a-`, `-n`) within `size`; undefined for anything else (416). */
export function parseRange(header: string, size: number): ByteRange | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '') || size === 0) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return undefined;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return undefined;
  return { offset: start, length: end - start + 1 };
}

/** The chunk route reads its own body (bigger than other API bodies): the app's body reader skips it. */
export function isRecordingChunk(method: string, path: string): boolean {
  return method === 'PUT' && /^\/api\/recordings\/[^/]+\/chunks\/[^/]+$/.test(path);
}
