/** README.md's API reference is the one generated from the source's JSDoc (`npm run docs` rewrites it). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  analyze,
  elementsOf,
  renderApi,
  replaceSection,
  undocumented,
  type Manifest,
} from '../../scripts/readme-api.mjs';

const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'scripts/readme-api.mjs');

void describe('README API reference', () => {
  let manifest: Manifest;
  before(async () => {
    manifest = await analyze();
  });

  void it('matches the manifest of the current source (run `npm run docs` when this fails)', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    assert.equal(replaceSection(readme, renderApi(manifest)), readme);
  });

  void it('documents every public attribute, property, method, event, slot, part, custom property and state', () => {
    assert.deepEqual(undocumented(manifest), []);
  });

  void it('lists the five elements and no internals', () => {
    assert.deepEqual(
      elementsOf(manifest).map((d) => d.tagName),
      ['calls-room', 'calls-tile', 'calls-controls', 'calls-chat', 'calls-desk'],
    );
    const api = renderApi(manifest);
    assert.doesNotMatch(api, /\| `[_#]/, 'an underscore or #private name is in a table');
    assert.match(api, /\| `calls-error` \| `\{ code: RoomErrorCode;/, 'event details are written out');
    assert.match(api, /\| `:state\(speaking\)` \|/);
  });

  void it('--check exits 1 on a stale README and rewriting fixes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'readme-api-'));
    try {
      const readme = join(dir, 'README.md');
      const manifestFile = join(dir, 'custom-elements.json');
      await writeFile(manifestFile, JSON.stringify(manifest));
      await writeFile(readme, '# x\n\n<!-- api:start -->\nold\n<!-- api:end -->\n\nrest\n');
      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, [
          script,
          '--readme',
          readme,
          '--manifest',
          manifestFile,
          ...args,
        ]);
      await assert.rejects(run('--check'), (e: { code?: number }) => e.code === 1);
      await run();
      await run('--check');
      const text = await readFile(readme, 'utf8');
      assert.ok(
        text.startsWith('# x\n\n<!-- api:start -->\n') && text.endsWith('<!-- api:end -->\n\nrest\n'),
      );
      assert.ok(text.includes('#### `<calls-room>`'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
