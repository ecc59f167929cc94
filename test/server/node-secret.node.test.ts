/** `npm start`'s generated TOKEN_SECRET is kept in DATA_DIR: a token from before a restart is still valid. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNodeApp } from '../../src/server/node.ts';
import { persistedSecret } from '../../src/server/node-secret.ts';
import { verifyRoomToken } from '../../src/server/tokens.ts';

void describe('the local demo keeps its generated token secret', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'calls-room-secret-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  void it('is made once, readable by its owner only, and read back', async () => {
    const first = persistedSecret(dir, 'token-secret');
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal((await stat(join(dir, 'token-secret'))).mode & 0o777, 0o600);
    assert.equal(persistedSecret(dir, 'token-secret'), first);
  });

  void it('a token minted before a restart of `npm start` is accepted after it', async () => {
    const env = { DATA_DIR: join(dir, 'data'), PORT: '0' };
    const before = await startNodeApp({ env, demo: true });
    const res = await fetch(`${before.backend.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'r', name: 'Ada' }),
    });
    assert.equal(res.status, 200);
    const { token } = (await res.json()) as { token: string };
    await before.close();

    const afterRestart = await startNodeApp({ env, demo: true });
    try {
      const claims = await verifyRoomToken(token, afterRestart.settings.tokenSecret);
      assert.equal(claims.room, 'r');
    } finally {
      await afterRestart.close();
    }
  });

  void it('a TOKEN_SECRET that is set is used as it is, and nothing is written', async () => {
    const secret = 'x'.repeat(40);
    const app = await startNodeApp({ env: { DATA_DIR: join(dir, 'set'), PORT: '0', TOKEN_SECRET: secret } });
    try {
      assert.equal(app.settings.tokenSecret, secret);
      await assert.rejects(stat(join(dir, 'set', 'token-secret')));
    } finally {
      await app.close();
    }
  });
});
