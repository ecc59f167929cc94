/**
 * The Worker serves the widget through Workers static assets as wrangler.toml declares them, in workerd
 * (Miniflare): the same headers as Node (from the `_headers` file the widget build writes), while /api/*
 * still reaches the Worker.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Miniflare } from 'miniflare';
import WebSocket from 'ws';
import { WIDGET_HEADERS } from '../../src/server/widget-headers.ts';
import { APP_ID, APP_SECRET, TOKEN_SECRET } from './helpers.ts';
import { WIDGET_OUT_DIR, buildWidget } from './widget-build.ts';
import { bundleWorker } from './worker-harness.ts';

const root = resolve(import.meta.dirname, '../..');

/** The `[assets]` table of wrangler.toml (its values are plain strings and string arrays, JSON-compatible). */
async function wranglerAssets(): Promise<{ directory?: string; run_worker_first?: boolean | string[] }> {
  const toml = await readFile(join(root, 'wrangler.toml'), 'utf8');
  const table = /^\[assets\]\n((?:(?!\[)[^\n]*\n?)*)/m.exec(toml)?.[1];
  assert.ok(table, 'wrangler.toml has an [assets] table');
  const entries = table
    .split('\n')
    .map((line) => /^(\w+)\s*=\s*(.+)$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => [m[1], JSON.parse(m[2]!) as unknown]);
  return Object.fromEntries(entries) as { directory?: string; run_worker_first?: boolean | string[] };
}

void describe('the widget from the Worker (Workers static assets, workerd)', () => {
  let mf: Miniflare;
  let base: string;
  let dir: string;
  before(async () => {
    const assets = await wranglerAssets();
    assert.equal(normalize(assets.directory ?? ''), normalize(WIDGET_OUT_DIR), 'assets are the widget build');
    const runFirst = assets.run_worker_first ?? false;
    dir = await buildWidget();
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(),
      compatibilityDate: '2025-09-01',
      durableObjects: { ROOMS: 'RoomObject' },
      host: '127.0.0.1',
      port: 0,
      // As Wrangler passes `[assets]` to Miniflare: an array of run_worker_first is static routing.
      assets: {
        directory: dir,
        routerConfig: {
          has_user_worker: true,
          invoke_user_worker_ahead_of_assets: runFirst === true,
          ...(Array.isArray(runFirst)
            ? {
                static_routing: {
                  user_worker: runFirst.filter((r) => !r.startsWith('!')),
                  asset_worker: runFirst.filter((r) => r.startsWith('!')).map((r) => r.slice(1)),
                },
              }
            : {}),
        },
      },
      bindings: {
        CALLS_API: 'http://127.0.0.1:9/v1',
        CALLS_APP_ID: APP_ID,
        CALLS_APP_SECRET: APP_SECRET,
        TOKEN_SECRET,
        OPEN_TOKENS: 'true',
        ALLOWED_ORIGINS: '*',
      },
    });
    base = (await mf.ready).origin;
  });
  after(() => mf.dispose());

  void it('serves calls-room.js to any origin as JavaScript, with the same caching as Node, and 304 on its ETag', async () => {
    const res = await fetch(`${base}/calls-room.js`, { headers: { origin: 'https://site.example' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cache-control'), WIDGET_HEADERS['Cache-Control']);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const etag = res.headers.get('etag');
    assert.ok(etag, 'an ETag');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), await readFile(join(dir, 'calls-room.js')));

    const again = await fetch(`${base}/calls-room.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('access-control-allow-origin'), '*');
    assert.equal((await again.arrayBuffer()).byteLength, 0);
  });

  void it('serves every lazy chunk calls-room-*.js beside it with the same headers', async () => {
    const chunks = (await readdir(dir)).filter((f) => /^calls-room-.+\.js$/.test(f));
    assert.ok(chunks.length > 0, 'the build has chunks');
    for (const chunk of chunks) {
      const res = await fetch(`${base}/${chunk}`, { headers: { origin: 'https://site.example' } });
      assert.equal(res.status, 200, chunk);
      assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/javascript/, chunk);
      for (const [name, value] of Object.entries(WIDGET_HEADERS)) {
        assert.equal(res.headers.get(name), value, `${chunk}: ${name}`);
      }
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), await readFile(join(dir, chunk)), chunk);
    }
  });

  void it('serves the source map, and not the _headers file', async () => {
    const map = await fetch(`${base}/calls-room.js.map`);
    assert.equal(map.status, 200);
    assert.match(map.headers.get('content-type') ?? '', /json/);
    assert.equal(map.headers.get('access-control-allow-origin'), '*');
    assert.equal(((await map.json()) as { file: string }).file, 'calls-room.js');
    const headersFile = await fetch(`${base}/_headers`);
    assert.notEqual(headersFile.status, 200);
    await headersFile.arrayBuffer();
  });

  void it('still routes /api/* to the Worker: health, tokens and the presence socket', async () => {
    const health = await fetch(`${base}/api/health`);
    assert.deepEqual(await health.json(), { ok: true });
    const token = await fetch(`${base}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'assets', name: 'Ada' }),
    });
    assert.equal(token.status, 200);
    const { token: jwt } = (await token.json()) as { token: string };
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/rooms/assets`);
    const welcome = await new Promise<{ type: string }>((resolveMessage, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'join', token: jwt })));
      ws.once('message', (data: Buffer) => resolveMessage(JSON.parse(data.toString()) as { type: string }));
      ws.once('error', reject);
    });
    assert.equal(welcome.type, 'welcome');
    ws.close();
  });
});
