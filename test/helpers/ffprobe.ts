/** What Debian's ffprobe/ffmpeg say about a media file (node side of the recording tests). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probe {
  durationS: number;
  video: { codec: string; width: number; height: number } | undefined;
  audio: { codec: string } | undefined;
  /** Standard deviation of the grey levels of a frame from the middle (0: one flat colour). */
  frameStdDev: number;
  /** ffmpeg decoded the whole file without an error line. */
  decodesCleanly: boolean;
  /** What ffmpeg said while decoding, if anything. */
  decodeErrors: string;
}

export async function probe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  const info = JSON.parse(stdout) as {
    format: { duration?: string };
    streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  };
  const v = info.streams.find((s) => s.codec_type === 'video');
  const a = info.streams.find((s) => s.codec_type === 'audio');
  const durationS = Number(info.format.duration ?? NaN);
  const middle = Number.isFinite(durationS) ? durationS / 2 : 1;
  const frame = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(middle),
      '-i',
      path,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const pixels = frame.stdout as unknown as Buffer;
  let sum = 0;
  let squares = 0;
  for (const p of pixels) {
    sum += p;
    squares += p * p;
  }
  const n = Math.max(1, pixels.length);
  const decode = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  // The null muxer's complaint about two packets with one timestamp is about MediaRecorder's input (a
  // busy machine's Chromium stamps two frames alike), not a decoding error: only decoder lines count.
  const errors = decode.stderr
    .toString()
    .split('\n')
    .filter((line) => line.trim() !== '' && !/non monotonically increasing dts to muxer/.test(line))
    .join('\n');
  return {
    durationS,
    video: v ? { codec: v.codec_name, width: v.width ?? 0, height: v.height ?? 0 } : undefined,
    audio: a ? { codec: a.codec_name } : undefined,
    frameStdDev: Math.sqrt(Math.max(0, squares / n - (sum / n) ** 2)),
    decodesCleanly: errors === '',
    decodeErrors: errors.slice(0, 500),
  };
}
