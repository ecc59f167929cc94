/**
 * The composite: the room drawn into a 1280x720 canvas, every microphone mixed, both recorded by
 * `MediaRecorder` as WebM (VP8 or VP9 with Opus, whichever the browser has) and handed out in chunks.
 *
 * Frames are drawn on a timer rather than `requestAnimationFrame`, which stops in a hidden tab: a host who
 * switches tabs keeps recording (browsers slow background timers, so the frame rate may drop there).
 */
import { AudioMix } from './audio-mix.ts';
import { CanvasCompositor } from './canvas-compositor.ts';
import type { CompositeOptions, CompositeRecording } from './types.ts';

const TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];

/** The WebM type this browser records, or undefined when it records none. */
export function recordableType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t));
}

export function startCompositeRecording(o: CompositeOptions): CompositeRecording {
  const mimeType = recordableType();
  if (!mimeType) throw new Error('this browser cannot record WebM');
  const compositor = new CanvasCompositor(o.width, o.height);
  const mix = new AudioMix();
  const draw = () => {
    try {
      compositor.draw(o.source.tiles());
      mix.update(o.source.audio());
    } catch (error) {
      o.onError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  draw();
  const timer = setInterval(draw, 1000 / o.frameRate);
  const video = compositor.canvas.captureStream(o.frameRate).getVideoTracks()[0]!;
  const stream = new MediaStream([video, mix.track]);
  const recorder = new MediaRecorder(stream, {
    mimeType,
    videoBitsPerSecond: o.videoBitsPerSecond ?? 2_500_000,
    audioBitsPerSecond: 96_000,
  });
  let startedAt = 0;
  recorder.onstart = () => (startedAt = performance.now());
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) o.onChunk(event.data, performance.now() - startedAt);
  };
  recorder.onerror = (event) => {
    const error = (event as Event & { error?: Error }).error;
    o.onError(error ?? new Error('MediaRecorder failed'));
  };
  const stopped = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve()));
  recorder.start(o.timesliceMs);
  const release = () => {
    clearInterval(timer);
    video.stop();
    compositor.close();
    mix.close();
  };
  return {
    mimeType,
    async stop() {
      // The last dataavailable comes before stop.
      if (recorder.state !== 'inactive') recorder.stop();
      await stopped;
      release();
    },
  };
}
