/**
 * Claims of a room token: an HS256 JWT that the host site's backend (or our dev `/api/token`) mints and the
 * backend verifies on every Calls proxy call and presence join. Any HS256 JWT library can mint one.
 */

export const ROOM_ROLES = ['host', 'guest', 'viewer'] as const;
/** `host` may moderate; `guest` publishes and pulls; `viewer` only pulls. */
export type RoomRole = (typeof ROOM_ROLES)[number];

export interface RoomTokenClaims {
  /** Stable user id in the host site (one person, any number of tabs). */
  sub: string;
  /** Display name shown to the others. */
  name: string;
  /** The room this token admits to. */
  room: string;
  role: RoomRole;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /**
   * Present (always `true`) on an agent's token: the holder answers the support line named by `room`
   * (`<calls-desk queue>`). Without it, a token for that name only queues as a customer.
   */
  agent?: true;
}

/** Room names: what fits in a URL path segment without escaping. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isRoomRole(value: unknown): value is RoomRole {
  return typeof value === 'string' && (ROOM_ROLES as readonly string[]).includes(value);
}

/** Response of the dev endpoint `POST /api/token`. */
export interface TokenResponse {
  token: string;
  /** Expiry in milliseconds since the epoch. */
  expiresAt: number;
}
