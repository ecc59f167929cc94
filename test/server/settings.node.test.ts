/** Settings: defaults per platform, and errors that name the setting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings, SettingsError } from '../../src/server/settings.ts';

const cloud = {
  CALLS_API: 'https://rtc.live.cloudflare.com/v1/',
  CALLS_APP_ID: 'app',
  CALLS_APP_SECRET: 'secret',
  TOKEN_SECRET: 'x'.repeat(32),
};

const fails = (env: Record<string, string>, platform: 'node' | 'worker', names: string[]) => {
  assert.throws(
    () => parseSettings(env, platform),
    (e: unknown) => e instanceof SettingsError && names.every((n) => e.message.includes(n)),
  );
};

void test('Node with nothing set: embedded SFU, open tokens, generated secrets', () => {
  const s = parseSettings({}, 'node');
  assert.equal(s.callsApi, undefined);
  assert.equal(s.openTokens, true);
  assert.ok(s.tokenSecret.length >= 32);
  assert.deepEqual(s.allowedOrigins, ['*']);
});

void test('Cloudflare: app id, secret and token secret are required; open tokens off in the Worker', () => {
  const s = parseSettings(cloud, 'worker');
  assert.equal(s.callsApi, 'https://rtc.live.cloudflare.com/v1');
  assert.equal(s.openTokens, false);
  assert.deepEqual(s.allowedOrigins, []);
  fails({ CALLS_API: cloud.CALLS_API }, 'node', ['CALLS_APP_ID', 'CALLS_APP_SECRET', 'TOKEN_SECRET']);
  fails({ ...cloud, CALLS_API: '' }, 'worker', ['CALLS_API']);
});

void test('invalid values name the setting', () => {
  fails({ ...cloud, TOKEN_SECRET: 'short' }, 'worker', ['TOKEN_SECRET']);
  fails({ ...cloud, CALLS_API: 'not a url' }, 'worker', ['CALLS_API']);
  fails({ ...cloud, OPEN_TOKENS: 'maybe' }, 'worker', ['OPEN_TOKENS']);
  fails({ ...cloud, ROOM_SIZE_LIMIT: '0' }, 'worker', ['ROOM_SIZE_LIMIT']);
  fails({ ...cloud, ALLOWED_ORIGINS: 'example.com' }, 'worker', ['ALLOWED_ORIGINS']);
  fails({ ...cloud, TURN_KEY_ID: 'k' }, 'worker', ['TURN_KEY_API_TOKEN']);
  const s = parseSettings(
    { ...cloud, OPEN_TOKENS: 'on', ALLOWED_ORIGINS: 'https://a.example, https://b.example' },
    'worker',
  );
  assert.equal(s.openTokens, true);
  assert.deepEqual(s.allowedOrigins, ['https://a.example', 'https://b.example']);
});
