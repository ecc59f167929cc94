/**
 * Turns a recording's acknowledged chunks into its one final WebM: the chunks in order, the first with the
 * duration in its header (`webm-duration.ts`), written through the store's `FinalWriter` (5 MiB parts on R2
 * and S3). The chunk objects are deleted once the file and its info are stored.
 */
import type { RecordingStatusName } from '../protocol/recording.ts';
import type { RecordingStore, StoredRecording } from './recording-store.ts';
import { withDuration } from './webm-duration.ts';

export async function finalizeRecording(
  store: RecordingStore,
  recording: StoredRecording,
  status: Extract<RecordingStatusName, 'complete' | 'partial'>,
  now: number,
  log: (line: string) => void = () => {},
): Promise<StoredRecording> {
  const { room, id } = recording;
  if (recording.chunks === 0) {
    // Nothing was acknowledged: no file to make.
    const info: StoredRecording = { ...recording, status: 'failed', endedAt: now, size: 0 };
    await store.putInfo(info);
    return info;
  }
  const writer = await store.writeFile(room, id);
  let size: number;
  try {
    for (let seq = 0; seq < recording.chunks; seq++) {
      const chunk = await store.getChunk(room, id, seq);
      if (!chunk) throw new Error(`chunk ${seq} of recording ${id} is missing`);
      let bytes = chunk;
      if (seq === 0) {
        const fixed = withDuration(chunk, recording.durationMs);
        if (fixed) bytes = fixed;
        else log(`recording ${id}: header not recognized, kept without a duration`);
      }
      await writer.write(bytes);
    }
    size = await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  const info: StoredRecording = { ...recording, status, endedAt: now, size };
  await store.putInfo(info);
  await store.deleteChunks(room, id, recording.chunks);
  return info;
}
