/** Loads the recorder chunk once, relative to the widget's own URL (`calls-room-recorder.js`). */
import type * as Recorder from './recorder/recorder.ts';

export type RecorderModule = typeof Recorder;

let loading: Promise<RecorderModule> | undefined;

export function loadRecorder(): Promise<RecorderModule> {
  loading ??= import('./recorder/recorder.ts').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
