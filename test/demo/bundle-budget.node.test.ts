/**
 * The script-tag file's size budget: `calls-room.js` at most 30 KB gzip (level 9), built by the real vite
 * config; optional parts are lazy chunks `calls-room-*.js` beside it, and the Node backend must serve every
 * one of them at its URL with the widget's headers (a chunk it does not serve is a feature that fails to load).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { WIDGET_HEADERS } from '../../src/server/widget-headers.ts';
import { testSettings } from '../server/helpers.ts';
import { buildWidget } from '../server/widget-build.ts';

/** 30 KB: 30 000 bytes of `gzip -9`. */
const BUDGET = 30_000;

void describe('the widget bundle', () => {
  let dir: string;
  let backend: RunningBackend;
  before(async () => {
    dir = await buildWidget();
    backend = await startBackend({
      settings: testSettings(),
      callsApi: 'http://127.0.0.1:9/v1',
      port: 0,
      staticDir: false,
      widgetDir: dir,
      tickIntervalMs: false,
    });
  });
  after(() => backend.close());

  const gzipSize = async () => gzipSync(await readFile(join(dir, 'calls-room.js')), { level: 9 }).byteLength;

  void it(`keeps calls-room.js within its budget (${BUDGET} B gzip -9)`, async () => {
    const size = await gzipSize();
    assert.ok(size <= BUDGET, `calls-room.js is ${size} B gzip -9, over the ${BUDGET} B budget`);
  });

  void it('keeps the call engine out of calls-room.js (the chunk calls-room-engine.js, loaded on connect)', async () => {
    const sources = async (file: string) =>
      (JSON.parse(await readFile(join(dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources;
    const engine = ['src/client/room.ts', 'src/client/sfu-session.ts', 'src/client/publisher.ts'];
    const inMain = await sources('calls-room.js');
    const inEngine = await sources('calls-room-engine.js');
    for (const module of engine) {
      assert.ok(!inMain.some((s) => s.endsWith(module)), `calls-room.js holds ${module}`);
      assert.ok(
        inEngine.some((s) => s.endsWith(module)),
        `calls-room-engine.js holds ${module}`,
      );
    }
  });

  void it('serves every lazy chunk calls-room-*.js (and its map) at its URL with the widget headers', async () => {
    const files = await readdir(dir);
    const chunks = files.filter((f) => /^calls-room-.+\.js$/.test(f));
    assert.ok(chunks.length >= 3, `chunks: ${chunks.join(', ')}`);
    const code = new Map<string, string>();
    for (const f of ['calls-room.js', ...chunks]) code.set(f, await readFile(join(dir, f), 'utf8'));
    for (const chunk of chunks) {
      const loaders = [...code].filter(([, c]) => c.includes(`import(\`./${chunk}\`)`)).map(([f]) => f);
      assert.ok(loaders.length > 0, `calls-room.js or a chunk loads ${chunk} relative to itself`);
      for (const file of [chunk, `${chunk}.map`]) {
        const res = await fetch(`${backend.url}/${file}`, { headers: { origin: 'https://site.example' } });
        assert.equal(res.status, 200, `${file} is served`);
        const body = await res.arrayBuffer();
        assert.deepEqual(new Uint8Array(body), new Uint8Array(await readFile(join(dir, file))), file);
        for (const [name, value] of Object.entries(WIDGET_HEADERS)) {
          assert.equal(res.headers.get(name), value, `${file}: ${name}`);
        }
        assert.match(res.headers.get('content-type') ?? '', file.endsWith('.map') ? /json/ : /javascript/);
      }
    }
  });

  // No waterfall and no third shared chunk: a chunk imports calls-room.js, or the one chunk that loads it
  // (the analytics and the stats sampler, loaded by the engine, import what they share with it from there).
  void it('has chunks import shared code only from ./calls-room.js or from the chunk that loads them', async () => {
    const files = await readdir(dir);
    const chunks = files.filter((f) => /^calls-room-.+\.js$/.test(f));
    const code = new Map<string, string>();
    for (const f of ['calls-room.js', ...chunks]) code.set(f, await readFile(join(dir, f), 'utf8'));
    for (const chunk of chunks) {
      const loaders = [...code].filter(([, c]) => c.includes(`import(\`./${chunk}\`)`)).map(([f]) => f);
      for (const m of code.get(chunk)!.matchAll(/\bfrom\s*["'`]([^"'`]+)["'`]/g)) {
        const target = m[1]!.replace(/^\.\//, '');
        assert.ok(
          target === 'calls-room.js' || (loaders.length === 1 && loaders[0] === target),
          `${chunk} imports ${m[1]} (loaded by ${loaders.join(', ')})`,
        );
      }
    }
  });
});
