/**
 * The npm package: importing this module defines `<calls-room>`, `<calls-tile>`, `<calls-controls>` and
 * `<calls-chat>`. Its exports are the script-tag file's (widget.ts) plus the `Room` class itself, which the
 * script-tag file leaves to its lazy engine chunk (`loadRoom()`).
 */
export * from './widget.ts';
export { Room } from '../client/room.ts';
