/** The two keys the client, the elements and the server build from presence data, spelled in one place. */
import type { TrackSource } from './presence.ts';

/** A rendered video: `participantId:camera` or `participantId:screen` (a microphone belongs to the camera tile). */
export function tileKey(participantId: string, source: TrackSource): string {
  return `${participantId}:${source === 'screen' ? 'screen' : 'camera'}`;
}

/** A published track on the SFU: `sessionId/trackName` (unique across the room, whoever announced it). */
export function trackKey(track: { sessionId: string; trackName: string }): string {
  return `${track.sessionId}/${track.trackName}`;
}
