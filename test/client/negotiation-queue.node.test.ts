/** NegotiationQueue: strict FIFO, failures do not block, same-tick batching with a size limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NegotiationQueue, type ItemOutcome } from '../../src/client/negotiation-queue.ts';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

void describe('NegotiationQueue', () => {
  void it('runs tasks one at a time in the order they were queued', async () => {
    const queue = new NegotiationQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      log.push('first start');
      await gate.promise;
      log.push('first end');
      return 1;
    });
    const second = queue.run(() => {
      log.push('second');
      return Promise.resolve(2);
    });
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(log, ['first start']);
    gate.resolve();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(log, ['first start', 'first end', 'second']);
  });

  void it('goes on after a failed task', async () => {
    const queue = new NegotiationQueue();
    const failed = queue.run(() => Promise.reject(new Error('406')));
    const next = queue.run(() => Promise.resolve('ok'));
    await assert.rejects(failed, { message: '406' });
    assert.equal(await next, 'ok');
  });

  void it('fails tasks queued after close without running them', async () => {
    const queue = new NegotiationQueue();
    queue.close(new Error('session lost'));
    let ran = false;
    await assert.rejects(
      queue.run(() => {
        ran = true;
        return Promise.resolve();
      }),
      { message: 'session lost' },
    );
    assert.equal(ran, false);
  });

  void it('batches calls made in the same tick, across resolved awaits, into one task', async () => {
    const queue = new NegotiationQueue();
    const batches: number[][] = [];
    const double = queue.batcher<number, number>((items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((n): ItemOutcome<number> => ({ ok: true, value: n * 2 })));
    });
    const a = double(1);
    const b = double(2);
    await Promise.resolve();
    const c = double(3);
    assert.deepEqual(await Promise.all([a, b, c]), [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.equal(await double(4), 8);
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });

  void it('splits a tick into batches of at most the limit', async () => {
    const queue = new NegotiationQueue();
    const sizes: number[] = [];
    const echo = queue.batcher<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items.map((n) => ({ ok: true as const, value: n })));
    }, 64);
    const all = await Promise.all(Array.from({ length: 150 }, (_, i) => echo(i)));
    assert.deepEqual(sizes, [64, 64, 22]);
    assert.deepEqual(
      all,
      Array.from({ length: 150 }, (_, i) => i),
    );
  });

  void it('settles each item with its own outcome, and all of them with a batch failure', async () => {
    const queue = new NegotiationQueue();
    const perItem = queue.batcher<string, string>((items) =>
      Promise.resolve(
        items.map((s): ItemOutcome<string> =>
          s === 'bad' ? { ok: false, error: new Error(s) } : { ok: true, value: s },
        ),
      ),
    );
    const results = await Promise.allSettled([perItem('good'), perItem('bad')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    const whole = queue.batcher<string, string>(() => Promise.reject(new Error('410')));
    const failed = await Promise.allSettled([whole('a'), whole('b')]);
    assert.deepEqual(
      failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')),
      ['410', '410'],
    );
  });

  void it('queues a batch behind the task already running, and keeps batches of different kinds in order', async () => {
    const queue = new NegotiationQueue();
    const log: string[] = [];
    const gate = deferred();
    const running = queue.run(async () => {
      await gate.promise;
      log.push('offer/answer');
    });
    const pull = queue.batcher<string, void>((items) => {
      log.push(`pull ${items.join(',')}`);
      return Promise.resolve(items.map(() => ({ ok: true as const, value: undefined })));
    });
    const close = queue.batcher<string, void>((items) => {
      log.push(`close ${items.join(',')}`);
      return Promise.resolve(items.map(() => ({ ok: true as const, value: undefined })));
    });
    const done = Promise.all([pull('a'), close('x'), pull('b')]);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(log, []);
    gate.resolve();
    await Promise.all([running, done]);
    assert.deepEqual(log, ['offer/answer', 'pull a,b', 'close x']);
  });
});
