/**
 * Room tokens: HS256 JWTs (jose, which runs on Node and Workers alike). See `src/protocol/token.ts` for the
 * claims; the README shows how to mint one with any JWT library.
 */
import { SignJWT, jwtVerify, errors } from 'jose';
import { ROOM_NAME_PATTERN, isRoomRole, type RoomRole, type RoomTokenClaims } from '../protocol/token.ts';

export interface CreateRoomTokenOptions {
  /** The shared secret (`TOKEN_SECRET`), at least 32 characters. */
  secret: string;
  sub: string;
  name: string;
  room: string;
  role: RoomRole;
  /** An agent of the support line named `room` (the `agent` claim; see `src/protocol/token.ts`). */
  agent?: boolean;
  /** Lifetime in seconds; default 6 hours. */
  ttlSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

export interface RoomToken {
  token: string;
  claims: RoomTokenClaims;
  /** Expiry in ms since the epoch. */
  expiresAt: number;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
/** The HMAC key, imported once per secret (importing it on every verify costs more than the verify). */
function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly reason: 'invalid' | 'expired' | 'wrong-room',
  ) {
    super(message);
  }
}

/** Mints a room token. Usable from any Node or Workers backend of the host site. */
export async function createRoomToken(options: CreateRoomTokenOptions): Promise<RoomToken> {
  if (options.secret.length < 32) throw new Error('createRoomToken: secret must be at least 32 characters');
  if (!ROOM_NAME_PATTERN.test(options.room))
    throw new Error(`createRoomToken: invalid room "${options.room}"`);
  if (!isRoomRole(options.role)) throw new Error(`createRoomToken: invalid role "${String(options.role)}"`);
  if (!options.sub || !options.name) throw new Error('createRoomToken: sub and name are required');
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = iat + (options.ttlSeconds ?? 6 * 3600);
  const claims: RoomTokenClaims = {
    sub: options.sub,
    name: options.name,
    room: options.room,
    role: options.role,
    iat,
    exp,
    ...(options.agent ? { agent: true as const } : {}),
  };
  const token = await new SignJWT({
    name: claims.name,
    room: claims.room,
    role: claims.role,
    ...(claims.agent ? { agent: true } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await keyOf(options.secret));
  return { token, claims, expiresAt: exp * 1000 };
}

/**
 * Verifies a token's signature (HS256 only), expiry and claims. With `room`, the token must be for that room.
 * Throws a TokenError saying why.
 */
export async function verifyRoomToken(
  token: string,
  secret: string,
  options: { room?: string; now?: number } = {},
): Promise<RoomTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    const result = await jwtVerify(token, await keyOf(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp', 'iat'],
      ...(options.now !== undefined ? { currentDate: new Date(options.now) } : {}),
    });
    payload = result.payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenError('token expired', 'expired');
    throw new TokenError('invalid token', 'invalid');
  }
  const { sub, name, room, role, iat, exp, agent } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > 256)
    throw new TokenError('bad sub claim', 'invalid');
  if (typeof name !== 'string' || name.trim() === '' || name.length > 128) {
    throw new TokenError('bad name claim', 'invalid');
  }
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room))
    throw new TokenError('bad room claim', 'invalid');
  if (!isRoomRole(role)) throw new TokenError('bad role claim', 'invalid');
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new TokenError('bad time claims', 'invalid');
  if (agent !== undefined && agent !== true) throw new TokenError('bad agent claim', 'invalid');
  if (options.room !== undefined && options.room !== room) {
    throw new TokenError('token is for another room', 'wrong-room');
  }
  return { sub, name: name.trim(), room, role, iat, exp, ...(agent ? { agent } : {}) };
}
