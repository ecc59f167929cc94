/**
 * Retention: a finished recording is kept `RECORDING_RETENTION_DAYS` after it ended, then deleted with its
 * chunks and file. The listing hides and deletes expired ones at once; a sweep over every room deletes the
 * rest on a schedule (hourly on Node, a Cron Trigger on Workers), so nothing outlives its retention because
 * nobody listed its room.
 */
import type { RecordingStore, StoredRecording } from './recording-store.ts';

export const DAY_MS = 86_400_000;
/** How often Node sweeps (Workers: wrangler.toml's cron). */
export const RETENTION_SWEEP_MS = 3_600_000;

export function expired(info: StoredRecording, retentionDays: number, now: number): boolean {
  return info.endedAt !== null && info.endedAt < now - retentionDays * DAY_MS;
}

/** Deletes every expired recording in the store; resolves with how many went. One bad room never stops the rest. */
export async function sweepRecordings(
  store: RecordingStore,
  retentionDays: number,
  now: number,
  log: (line: string) => void,
): Promise<number> {
  let deleted = 0;
  for (const room of await store.rooms()) {
    try {
      for (const info of await store.listInfos(room)) {
        if (!expired(info, retentionDays, now)) continue;
        await store.deleteRecording(room, info.id, info.chunks);
        deleted++;
      }
    } catch (error) {
      log(`recordings: retention sweep of room ${room} failed: ${String(error)}`);
    }
  }
  if (deleted > 0)
    log(`recordings: retention deleted ${deleted} recording(s) older than ${retentionDays} days`);
  return deleted;
}
