/**
 * The npm package: importing this module defines `<calls-room>`, `<calls-tile>`, `<calls-controls>` and
 * `<calls-chat>`. The script-tag file's entry is widget.ts (the same exports, with `Room` loaded on demand).
 */
export { CallsRoom } from './calls-room.ts';
export { CallsTile } from './calls-tile.ts';
export { CallsControls } from './calls-controls.ts';
export { CallsChat } from './calls-chat.ts';
export * from './events.ts';
export { loadStrings, resolveStrings, type CallsStrings, type CallsStringsOverride } from './strings.ts';
export type { RoomActions, RoomContextValue, RoomUi } from './context.ts';
export { Room } from '../client/room.ts';
export { RoomError, ROOM_ERROR_CODES } from '../client/room-types.ts';
export { loadRoom } from './calls-room.engine.ts';
export type * from '../client/room-types.ts';
export * from './queue-events.ts';
