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

void test('Node with nothing set: embedded SFU, generated secrets, open tokens off, same origin only', () => {
  const s = parseSettings({}, 'node');
  assert.equal(s.callsApi, undefined);
  assert.equal(s.openTokens, false);
  assert.equal(s.demo, false);
  assert.ok(s.tokenSecret.length >= 32);
  assert.deepEqual(s.allowedOrigins, []);
  assert.equal(s.seatsPerUser, 3);
  assert.equal(s.dataDir, '.data');
  assert.equal(s.devHostKey, undefined);
});

void test('the local demo (npm start): open tokens and any origin, with the embedded SFU only', () => {
  const demo = parseSettings({}, 'node', { demo: true });
  assert.equal(demo.openTokens, true);
  assert.equal(demo.demo, true);
  assert.deepEqual(demo.allowedOrigins, ['*']);
  const off = parseSettings({ OPEN_TOKENS: 'false', ALLOWED_ORIGINS: 'https://a.example' }, 'node', {
    demo: true,
  });
  assert.equal(off.openTokens, false);
  assert.deepEqual(off.allowedOrigins, ['https://a.example']);
  // Against a Calls API, or in production, the demo defaults do not apply.
  const cloudDemo = parseSettings(cloud, 'node', { demo: true });
  assert.equal(cloudDemo.openTokens, false);
  assert.deepEqual(cloudDemo.allowedOrigins, []);
  const prod = parseSettings({ NODE_ENV: 'production' }, 'node', { demo: true });
  assert.equal(prod.production, true);
  assert.equal(prod.openTokens, false);
  assert.deepEqual(prod.allowedOrigins, []);
});

void test('open tokens never with a real SFU or in production; a dev host key only with open tokens', () => {
  fails({ ...cloud, OPEN_TOKENS: 'true' }, 'node', ['OPEN_TOKENS', 'rtc.live.cloudflare.com']);
  fails({ ...cloud, OPEN_TOKENS: 'true' }, 'worker', ['OPEN_TOKENS', 'real SFU']);
  fails({ OPEN_TOKENS: 'true', NODE_ENV: 'production' }, 'node', ['OPEN_TOKENS', 'production']);
  fails(
    { ...cloud, CALLS_API: 'http://127.0.0.1:9/v1', OPEN_TOKENS: 'on', NODE_ENV: 'Production' },
    'worker',
    ['OPEN_TOKENS', 'production'],
  );
  // A Calls API on this machine (the embedded SFU run apart, wrangler dev against it) is development.
  for (const local of ['http://127.0.0.1:4000/v1', 'http://localhost:4000/v1', 'http://[::1]:4000/v1']) {
    assert.equal(
      parseSettings({ ...cloud, CALLS_API: local, OPEN_TOKENS: 'true' }, 'worker').openTokens,
      true,
    );
  }
  fails({ ...cloud, CALLS_API: 'http://127.0.0.1.evil.example/v1', OPEN_TOKENS: 'true' }, 'node', [
    'OPEN_TOKENS',
  ]);
  fails({ DEV_HOST_KEY: 'k'.repeat(16) }, 'node', ['DEV_HOST_KEY', 'OPEN_TOKENS']);
  fails({ OPEN_TOKENS: 'true', DEV_HOST_KEY: 'short' }, 'node', ['DEV_HOST_KEY']);
  assert.equal(
    parseSettings({ OPEN_TOKENS: 'true', DEV_HOST_KEY: 'k'.repeat(16) }, 'node').devHostKey,
    'k'.repeat(16),
  );
  assert.equal(parseSettings({ DEV_HOST_KEY: 'k'.repeat(16) }, 'node', { demo: true }).openTokens, true);
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
  fails({ ...cloud, SEATS_PER_USER: '0' }, 'worker', ['SEATS_PER_USER']);
  const s = parseSettings(
    {
      ...cloud,
      OPEN_TOKENS: 'off',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      SEATS_PER_USER: '2',
    },
    'worker',
  );
  assert.equal(s.openTokens, false);
  assert.equal(s.seatsPerUser, 2);
  assert.equal(s.dataDir, undefined);
  assert.deepEqual(s.allowedOrigins, ['https://a.example', 'https://b.example']);
});
