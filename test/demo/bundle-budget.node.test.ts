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

const BUDGET = 30 * 1024;

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

  // The budget is 30 KB and not met yet (2026-11-30: 40.2 KiB gzip -9 after the lazy chunks; what is left is
  // Lit and the call engine, see BENCHMARKS.md). Until it is, this ceiling stops the file from growing again:
  // lower it with every cut, and make it BUDGET when the engine loads on join().
  const CEILING = 41 * 1024;
  void it(`keeps calls-room.js from growing (ceiling ${CEILING} B gzip; budget ${BUDGET} B not yet met)`, async () => {
    const size = await gzipSize();
    assert.ok(size <= CEILING, `calls-room.js is ${size} B gzip, over the ${CEILING} B ceiling`);
    if (size <= BUDGET) console.log(`calls-room.js is within its ${BUDGET} B budget: make CEILING = BUDGET`);
  });

  void it('serves every lazy chunk calls-room-*.js (and its map) at its URL with the widget headers', async () => {
    const files = await readdir(dir);
    const chunks = files.filter((f) => /^calls-room-.+\.js$/.test(f));
    assert.ok(chunks.length >= 3, `chunks: ${chunks.join(', ')}`);
    const main = await readFile(join(dir, 'calls-room.js'), 'utf8');
    for (const chunk of chunks) {
      assert.ok(main.includes(`./${chunk}`), `calls-room.js loads ${chunk} relative to itself`);
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

  void it('has chunks import shared code from ./calls-room.js, never from a third shared chunk', async () => {
    const files = await readdir(dir);
    for (const chunk of files.filter((f) => /^calls-room-.+\.js$/.test(f))) {
      const code = await readFile(join(dir, chunk), 'utf8');
      for (const m of code.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
        assert.equal(m[1], './calls-room.js', `${chunk} imports ${m[1]}`);
      }
    }
  });
});
