/**
 * Real MediaRecorder output for node tests of the recording backend: a headless Chromium (Debian's, as the
 * browser tests use) records a moving canvas and a tone, and hands back the WebM chunks exactly as a
 * recorder with a timeslice produces them (no duration in the header, unknown-size segment and clusters).
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChrome } from '../../scripts/find-chrome.mjs';

export interface RecordedChunks {
  chunks: Uint8Array[];
  /** Media time the chunks cover, ms (as the recorder measured it). */
  durationMs: number[];
  mimeType: string;
}

/** Records about `seconds` of 640x360 video and audio, one chunk every `timesliceMs`. */
export async function recordWebmChunks(seconds: number, timesliceMs = 1000): Promise<RecordedChunks> {
  const executablePath = findChrome();
  if (!executablePath)
    throw new Error('No Chromium found: `apt-get install -y chromium`, or set CHROME_PATH.');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const result = await page.evaluate(
      async ({ seconds, timesliceMs }) => {
        const canvas = document.createElement('canvas');
        canvas.width = 640;
        canvas.height = 360;
        const g = canvas.getContext('2d')!;
        const audio = new AudioContext();
        const tone = audio.createOscillator();
        const out = audio.createMediaStreamDestination();
        tone.connect(out);
        tone.start();
        const stream = new MediaStream([
          ...canvas.captureStream(25).getVideoTracks(),
          ...out.stream.getAudioTracks(),
        ]);
        const started = performance.now();
        const draw = setInterval(() => {
          const t = (performance.now() - started) / 1000;
          g.fillStyle = `hsl(${(t * 90) % 360} 70% 40%)`;
          g.fillRect(0, 0, 640, 360);
          g.fillStyle = '#fff';
          g.fillRect(((t * 200) % 600) | 0, 150, 40, 40);
        }, 40);
        const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus' });
        const reads: Promise<string>[] = [];
        const times: number[] = [];
        recorder.ondataavailable = (e) => {
          times.push(Math.round(performance.now() - started));
          reads.push(
            e.data.arrayBuffer().then((buffer) => {
              let text = '';
              for (const b of new Uint8Array(buffer)) text += String.fromCharCode(b);
              return btoa(text);
            }),
          );
        };
        const stopped = new Promise((resolve) => (recorder.onstop = resolve));
        recorder.start(timesliceMs);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        recorder.stop();
        // The last dataavailable comes before stop.
        await stopped;
        const chunks = await Promise.all(reads);
        clearInterval(draw);
        await audio.close();
        return { chunks, times, mimeType: recorder.mimeType };
      },
      { seconds, timesliceMs },
    );
    return {
      chunks: result.chunks.map((b64) => new Uint8Array(Buffer.from(b64, 'base64'))),
      durationMs: result.times,
      mimeType: result.mimeType,
    };
  } finally {
    await browser.close();
  }
}
