/** Every lower layer's error as the one the page sees: a `RoomError` with a stable code. */
import { CallsApiError } from './calls-api.ts';
import { PresenceError } from './presence-client.ts';
import { RoomError, type RoomErrorCode } from './room-types.ts';
import { SfuSessionError } from './sfu-session.ts';
import { TokenError } from './token-source.ts';

/** Any error as a `RoomError`: kept when it is one (made fatal if asked), else wrapped with `fallback`. */
export function toRoomError(error: unknown, fallback: RoomErrorCode, fatal = false): RoomError {
  if (error instanceof RoomError)
    return fatal && !error.fatal
      ? new RoomError(error.code, error.message, true, error, error.addresses)
      : error;
  return new RoomError(fallback, error instanceof Error ? error.message : String(error), fatal, error);
}

/** Getting the room token failed: the join cannot go on. */
export function tokenError(error: unknown): RoomError {
  if (!(error instanceof TokenError)) return toRoomError(error, 'token-failed', true);
  const code: RoomErrorCode =
    error.code === 'unauthorized'
      ? 'token-unauthorized'
      : error.code === 'forbidden'
        ? 'token-forbidden'
        : error.code === 'network_error'
          ? 'backend-unreachable'
          : 'token-failed';
  return new RoomError(code, error.message, true, error);
}

/** The presence socket refused us while joining. */
export function presenceJoinError(error: unknown): unknown {
  if (!(error instanceof PresenceError)) return error;
  const code: RoomErrorCode =
    error.code === 'unauthorized'
      ? 'token-unauthorized'
      : error.code === 'room-full' || error.code === 'removed'
        ? error.code
        : error.code === 'locked'
          ? 'room-locked'
          : error.code === 'denied'
            ? 'lobby-denied'
            : 'backend-unreachable';
  return new RoomError(code, error.message, true, error);
}

/** The room ended for us after joining (removed, replaced, refused). */
export function presenceEndCode(code: string): RoomErrorCode {
  return code === 'removed' ? 'removed' : code === 'room-full' ? 'room-full' : 'presence-failed';
}

/** Creating a Calls session failed: no backend, or no longer allowed. */
export function sessionCreateError(error: unknown): unknown {
  if (error instanceof CallsApiError && (error.status === 0 || error.status === 401)) {
    return new RoomError(
      error.status ? 'token-unauthorized' : 'backend-unreachable',
      error.message,
      true,
      error,
    );
  }
  return error;
}

/** The first exchange of a new session failed; the SFU's addresses say which ones the browser could not reach. */
export function transportError(error: unknown, addresses: readonly string[]): unknown {
  if (error instanceof SfuSessionError && error.code === 'media_unreachable') {
    return new RoomError(
      'media-unreachable',
      `${error.message}: UDP to them is blocked, or they are not this browser's to reach (set ` +
        'SFU_ANNOUNCED_IP on the embedded SFU to an address this device can reach)',
      true,
      error,
      Object.freeze([...addresses]),
    );
  }
  return error;
}
