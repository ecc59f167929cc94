/**
 * The call engine (the Room and what only it needs: Calls sessions, publishing, subscriptions, presence) is
 * the chunk `calls-room-engine.js` beside calls-room.js, so the script-tag file stays within its budget.
 * `<calls-room>` starts loading it as soon as it connects, while the page (or the device preview) is shown,
 * and `join()` waits for it; a chunk that cannot be fetched is a `RoomError` `load-failed`, and the next
 * attempt fetches again.
 */
import type * as Engine from '../client/room.ts';
import { RoomError } from '../client/room-types.ts';

export type EngineModule = typeof Engine;

let loading: Promise<EngineModule> | undefined;

/** The engine module, fetched once (again after a failure). Rejects with a `RoomError` `load-failed`. */
export function loadEngine(): Promise<EngineModule> {
  loading ??= import('../client/room.ts').catch((error: unknown) => {
    loading = undefined;
    throw new RoomError('load-failed', `The call engine could not load: ${String(error)}`, true, error);
  });
  return loading;
}

/**
 * The `Room` class, for pages that drive the call engine without the element (the script-tag module loads it
 * on demand; the npm package also exports `Room` itself). Rejects with a `RoomError` `load-failed`.
 */
export async function loadRoom(): Promise<EngineModule['Room']> {
  return (await loadEngine()).Room;
}
