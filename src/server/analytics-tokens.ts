/**
 * The beacon token: what a page's `sendBeacon` (which cannot send headers) carries in its body instead of
 * the room token. It may only report analytics for one room and participant, for 15 minutes, and is signed
 * with a key derived from TOKEN_SECRET for this purpose alone, so it never verifies as a room token (the
 * Calls proxy and presence refuse it) and a room token never verifies as one.
 */
import { jwtVerify, SignJWT } from 'jose';

export const BEACON_TOKEN_TTL_SECONDS = 15 * 60;

export interface BeaconClaims {
  room: string;
  sub: string;
  participantId: string;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest('SHA-256', encoder.encode(`calls-room analytics beacon\u0000${secret}`))
      .then((raw) =>
        crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
      );
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export async function createBeaconToken(secret: string, claims: BeaconClaims, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ room: claims.room, pid: claims.participantId, scope: 'analytics' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + BEACON_TOKEN_TTL_SECONDS)
    .sign(await keyOf(secret));
}

/** The claims, or undefined for anything but a valid, unexpired beacon token. */
export async function verifyBeaconToken(
  token: string,
  secret: string,
  now: number,
): Promise<BeaconClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(now),
    });
    const { sub, room, pid, scope } = payload;
    if (
      scope !== 'analytics' ||
      typeof sub !== 'string' ||
      typeof room !== 'string' ||
      typeof pid !== 'string'
    )
      return undefined;
    return { sub, room, participantId: pid };
  } catch {
    return undefined;
  }
}
