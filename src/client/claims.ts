/** What the client reads of its room token. Unverified: the backend verifies, the client only adapts its UI. */
import { isRoomRole, type RoomTokenClaims } from '../protocol/token.ts';

/** The token's payload, or an empty object when it is not a readable JWT. */
export function decodeClaims(token: string): Partial<RoomTokenClaims> {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === 'object' ? claims : {};
  } catch {
    return {};
  }
}

/** The token's role; `guest` when it says none (or nothing readable). */
export function roleOf(token: string): RoomTokenClaims['role'] {
  const { role } = decodeClaims(token);
  return isRoomRole(role) ? role : 'guest';
}
