/**
 * The recorder chunk's entry: `calls-room-recorder.js` beside `calls-room.js`, loaded by `loadRecorder()`
 * only when a host starts recording. It imports nothing of the rest of the widget (the widget passes in its
 * recording API and the room's tiles), so the chunk is self-contained.
 */
export { RecordingApi, RecordingApiError, type RecordingApiOptions } from './api.ts';
export { recordableType } from './composite.ts';
export { RecordingSession } from './session.ts';
export type * from './types.ts';
