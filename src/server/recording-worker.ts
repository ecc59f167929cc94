/**
 * Recordings on Workers: the R2 binding `RECORDINGS` as the store, and each room's `RecordingService` in
 * the room's Durable Object, reached through its fetch (`/internal/recording`), so the room's one queue
 * orders every chunk and the object's alarm finalizes a recording whose host vanished.
 */
import type { ActiveRecording } from '../protocol/recording.ts';
import type { Recordings, RecordingRooms } from './recording-routes.ts';
import { RecordingService, type RecordingAnswer, type RecordingCaller } from './recording-service.ts';
import { sweepRecordings } from './recording-retention.ts';
import { parseRecordingSettings } from './recording-settings.ts';
import { R2RecordingStore, type R2Bucket } from './recording-store-r2.ts';

interface RoomStub {
  fetch(request: Request): Promise<Response>;
}

const INTERNAL = 'https://room.internal/internal/recording';

/** The app's recordings, or undefined when the Worker has no `RECORDINGS` bucket. */
export function workerRecordings(
  env: Record<string, unknown>,
  stub: (room: string) => RoomStub,
  roomHeader: string,
): Recordings | undefined {
  const bucket = env.RECORDINGS as R2Bucket | undefined;
  if (!bucket) return undefined;
  const settings = parseRecordingSettings(env, undefined);
  const rpc = async (
    room: string,
    query: Record<string, string>,
    caller: RecordingCaller,
    body?: Uint8Array,
  ) => {
    const url = new URL(INTERNAL);
    for (const [k, v] of Object.entries({
      ...query,
      sub: caller.sub,
      name: caller.name,
      role: caller.role,
    })) {
      url.searchParams.set(k, v);
    }
    const res = await stub(room).fetch(
      new Request(url, {
        method: 'POST',
        headers: { [roomHeader]: room },
        ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
      }),
    );
    return (await res.json()) as RecordingAnswer;
  };
  const rooms: RecordingRooms = {
    start: (room, caller) => rpc(room, { op: 'start' }, caller),
    chunk: (room, caller, id, seq, ms, bytes) =>
      rpc(room, { op: 'chunk', id, seq: String(seq), ms: String(ms) }, caller, bytes),
    stop: (room, caller, id) => rpc(room, { op: 'stop', id }, caller),
  };
  return { rooms, store: new R2RecordingStore(bucket), retentionDays: settings.retentionDays };
}

/**
 * The Cron Trigger's retention sweep (wrangler.toml `[triggers]`): every room in `RECORDINGS`, at the
 * scheduled time. Resolves with how many recordings went; nothing without the bucket.
 */
export async function sweepWorkerRecordings(env: Record<string, unknown>, now: number): Promise<number> {
  const bucket = env.RECORDINGS as R2Bucket | undefined;
  if (!bucket) return 0;
  const settings = parseRecordingSettings(env, undefined);
  return sweepRecordings(new R2RecordingStore(bucket), settings.retentionDays, now, (line) =>
    console.log(line),
  );
}

/** The room's service inside its Durable Object (undefined without the bucket). */
export function roomRecordingService(
  env: Record<string, unknown>,
  room: string,
  announce: (status: ActiveRecording | null) => void,
  now: () => number,
): RecordingService | undefined {
  const bucket = env.RECORDINGS as R2Bucket | undefined;
  if (!bucket) return undefined;
  const settings = parseRecordingSettings(env, undefined);
  return new RecordingService({
    room,
    store: new R2RecordingStore(bucket),
    timeoutMs: settings.timeoutMs,
    announce,
    now,
    log: (line) => console.log(line),
  });
}

/** The Durable Object's side of `rpc` above. */
export async function answerRecordingRpc(
  service: RecordingService | undefined,
  request: Request,
): Promise<Response> {
  if (!service)
    return Response.json({
      status: 404,
      body: { errorCode: 'not_found', errorDescription: 'no recordings' },
    });
  const q = new URL(request.url).searchParams;
  const role = q.get('role');
  const caller: RecordingCaller = {
    sub: q.get('sub') ?? '',
    name: q.get('name') ?? '',
    role: role === 'host' || role === 'guest' || role === 'viewer' ? role : 'viewer',
  };
  const id = q.get('id') ?? '';
  let answer: RecordingAnswer;
  switch (q.get('op')) {
    case 'start':
      answer = await service.start(caller);
      break;
    case 'chunk': {
      const bytes = new Uint8Array(await request.arrayBuffer());
      answer = await service.chunk(caller, id, Number(q.get('seq')), Number(q.get('ms')), bytes);
      break;
    }
    case 'stop':
      answer = await service.stop(caller, id);
      break;
    case null:
    default:
      answer = { status: 404, body: { errorCode: 'not_found', errorDescription: 'no such operation' } };
  }
  return Response.json(answer);
}
