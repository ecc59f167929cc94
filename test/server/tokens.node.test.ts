/** Room tokens: create, verify, expired, tampered, wrong room, wrong role, other algorithms. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createRoomToken, TokenError, verifyRoomToken } from '../../src/server/tokens.ts';

const secret = 'a-very-long-token-secret-for-the-tests-0123456789';
const key = new TextEncoder().encode(secret);
const base = { secret, sub: 'user-1', name: 'Ann', room: 'lobby', role: 'guest' as const };

const rejects = async (token: string, reason: TokenError['reason'], room?: string) => {
  await assert.rejects(verifyRoomToken(token, secret, room ? { room } : {}), (e: unknown) => {
    assert.ok(e instanceof TokenError);
    assert.equal(e.reason, reason);
    return true;
  });
};

void test('create then verify gives the documented claims', async () => {
  const now = Date.UTC(2026, 0, 1);
  const { token, claims, expiresAt } = await createRoomToken({ ...base, ttlSeconds: 600, now });
  assert.deepEqual(claims, {
    sub: 'user-1',
    name: 'Ann',
    room: 'lobby',
    role: 'guest',
    iat: now / 1000,
    exp: now / 1000 + 600,
  });
  assert.equal(expiresAt, now + 600_000);
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg: string };
  assert.equal(header.alg, 'HS256');
  assert.deepEqual(await verifyRoomToken(token, secret, { room: 'lobby', now: now + 1000 }), claims);
});

void test('expired tokens are refused', async () => {
  const { token } = await createRoomToken({ ...base, ttlSeconds: 60, now: Date.now() - 3_600_000 });
  await rejects(token, 'expired');
});

void test('tampered tokens are refused: payload edited, signature from another secret, alg none', async () => {
  const { token } = await createRoomToken(base);
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  payload.role = 'host';
  const edited = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  await rejects(edited, 'invalid');
  const other = await createRoomToken({ ...base, secret: 'another-secret-that-is-long-enough-000000' });
  await rejects(other.token, 'invalid');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  await rejects(none, 'invalid');
  await rejects('garbage', 'invalid');
});

void test('a token for another room is refused there', async () => {
  const { token } = await createRoomToken(base);
  await rejects(token, 'wrong-room', 'other-room');
});

void test('a role outside host|guest|viewer, or missing claims, is refused', async () => {
  const iat = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
  await rejects(await sign({ name: 'A', room: 'lobby', role: 'admin' }), 'invalid');
  await rejects(await sign({ name: 'A', room: 'lobby' }), 'invalid');
  await rejects(await sign({ room: 'lobby', role: 'guest' }), 'invalid');
  await rejects(await sign({ name: 'A', room: 'bad room!', role: 'guest' }), 'invalid');
  // A token minted by any HS256 library with the documented claims works.
  const ok = await sign({ name: 'A', room: 'lobby', role: 'viewer' });
  assert.equal((await verifyRoomToken(ok, secret, { room: 'lobby' })).role, 'viewer');
  await assert.rejects(createRoomToken({ ...base, role: 'admin' as never }));
  await assert.rejects(createRoomToken({ ...base, secret: 'short' }));
});
