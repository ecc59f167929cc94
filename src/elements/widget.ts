/**
 * The script-tag file `calls-room.js`: the package's exports (index.ts) but `Room`, whose engine is the lazy
 * chunk `calls-room-engine.js`: `await loadRoom()` gives the class. index.ts re-exports all of this.
 */
export { CallsRoom } from './calls-room.ts';
export { CallsTile } from './calls-tile.ts';
export { CallsControls } from './calls-controls.ts';
export { CallsChat } from './calls-chat.ts';
export * from './events.ts';
export { loadStrings, resolveStrings, type CallsStrings, type CallsStringsOverride } from './strings.ts';
export type { RoomActions, RoomContextValue, RoomUi } from './context.ts';
export type { Room } from '../client/room.ts';
export { RoomError, ROOM_ERROR_CODES } from '../client/room-types.ts';
export { loadRoom } from './calls-room.engine.ts';
export type * from '../client/room-types.ts';
export * from './queue-events.ts';
