/**
 * bench:sfu's Janus adapter against Debian's real `janus` (skipped where it is not installed): the process
 * starts with the bench's own config, the HTTP API client creates a VideoRoom and joins it, and a refused
 * request comes back as a typed JanusError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JanusError, JanusSession } from '../../bench/janus-api.ts';
import { findJanus, startJanus, type RunningJanus } from '../../bench/janus-process.ts';
import { sampleProcess } from '../../bench/proc-stats.ts';

const executable = findJanus();

void describe('Janus adapter', { skip: !executable && 'janus is not installed' }, () => {
  let janus: RunningJanus;
  let session: JanusSession;
  before(async () => {
    janus = await startJanus(executable!);
    session = await JanusSession.create(janus.url);
  });
  after(async () => {
    await session?.close();
    await janus?.close();
  });

  void it('runs only the HTTP transport and the VideoRoom plugin, in a process /proc can read', async () => {
    const info = (await (await fetch(`${janus.url}/info`)).json()) as {
      plugins: Record<string, unknown>;
      transports: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(info.plugins), ['janus.plugin.videoroom']);
    assert.deepEqual(Object.keys(info.transports), ['janus.transport.http']);
    assert.ok(sampleProcess(janus.pid).rssBytes > 0);
  });

  void it('creates a room and joins it as a publisher (an asynchronous event through the long poll)', async () => {
    const handle = await session.attach('janus.plugin.videoroom');
    const room = 4242;
    const created = await handle.message({ request: 'create', room, publishers: 1 });
    assert.equal(created.data.videoroom, 'created');
    const joined = await handle.message({ request: 'join', ptype: 'publisher', room });
    assert.equal(joined.data.videoroom, 'joined');
    assert.equal(typeof joined.data.id, 'number');
    await handle.detach();
  });

  void it('turns a refused request into a JanusError', async () => {
    const handle = await session.attach('janus.plugin.videoroom');
    await assert.rejects(
      handle.message({ request: 'join', ptype: 'publisher', room: 999_999 }),
      (e: unknown) => e instanceof JanusError && /No such room/i.test(e.reason),
    );
    await assert.rejects(session.attach('janus.plugin.nosuchplugin'), JanusError);
  });
});
