/**
 * Puts the duration into a MediaRecorder WebM, whose header has none (a live recorder cannot know it).
 *
 * Only the header is rewritten: the bytes before the first Cluster (EBML header, Segment start, Info, Tracks)
 * go through `@fix-webm-duration` (parse, add Duration to Info, write), and everything after is kept byte for
 * byte. MediaRecorder writes an unknown-size Segment without SeekHead or Cues, so nothing later points at a
 * byte offset that the grown header would shift; the rest of the file can then stream from storage unchanged,
 * at no cost however long the recording is.
 */
import { fixParsedWebmDuration } from '@fix-webm-duration/fix';
import { WebmFile } from '@fix-webm-duration/parser';

const SEGMENT = 0x8538067;
const INFO = 0x549a966;
const TIMECODE_SCALE = 0xad7b1;
const CLUSTER = 0xf43b675;
const SEEK_HEAD = 0x14d9b74;

/** Length of an EBML variable-size integer from its first byte. */
const vintLength = (first: number) => Math.clz32(first) - 23;

/**
 * The first chunk with the duration (ms) in its header, or undefined when its layout is not the one described
 * above (then the chunk is kept as it is: the file still plays, without a duration).
 */
export function withDuration(firstChunk: Uint8Array, durationMs: number): Uint8Array | undefined {
  let file: WebmFile;
  try {
    file = new WebmFile(firstChunk);
  } catch {
    return undefined;
  }
  const children = (c: WebmFile | undefined) => (c?.data ?? []) as { id: number; data: WebmFile }[];
  const segment = children(file).find((e) => e.id === SEGMENT)?.data;
  if (!segment) return undefined;
  if (children(segment).some((e) => e.id === SEEK_HEAD)) return undefined;
  const cluster = children(segment).find((e) => e.id === CLUSTER);
  const info = segment.getSectionById(INFO) as WebmFile | undefined;
  // Timestamps must already be in ms: the library sets the timecode scale to 1 ms.
  const scale = info?.getSectionById(TIMECODE_SCALE) as { getValue(): number } | undefined;
  if (!cluster || !scale || scale.getValue() !== 1_000_000) return undefined;
  const segmentStart = segment.start;
  const sizeFirst = firstChunk[segmentStart + 4];
  if (sizeFirst === undefined || sizeFirst === 0) return undefined;
  const clusterAt = segmentStart + 4 + vintLength(sizeFirst) + cluster.data.start;
  const head = new WebmFile(firstChunk.slice(0, clusterAt));
  if (!fixParsedWebmDuration(head, durationMs, { logger: false }) || !head.source) return undefined;
  const out = new Uint8Array(head.source.byteLength + firstChunk.byteLength - clusterAt);
  out.set(head.source, 0);
  out.set(firstChunk.subarray(clusterAt), head.source.byteLength);
  return out;
}
