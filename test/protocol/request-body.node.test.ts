/** The one strict reading of a request body that the proxy and the embedded SFU share. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyError, nestsDeeperThan, parseJsonBody, readBody } from '../../src/protocol/request-body.ts';
import { OTHER_SPACE } from '../helpers/spaces.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const refused = (f: () => unknown, status: number, code: string) =>
  assert.throws(f, (e: unknown) => e instanceof BodyError && e.status === status && e.errorCode === code);

void test('JSON as JSON.parse reads it, with only JSON whitespace around it; empty is undefined', () => {
  assert.deepEqual(parseJsonBody(bytes(' \t\r\n{"a":[1]}\n ')), { a: [1] });
  for (const empty of ['', ' ', '\r\n\t ']) assert.equal(parseJsonBody(bytes(empty)), undefined);
  assert.equal(parseJsonBody(bytes('null')), null);
  // JSON.parse keeps the last of duplicate keys; so does everything downstream, which re-parses its output.
  assert.deepEqual(parseJsonBody(bytes('{"a":1,"a":2}')), { a: 2 });
  // A __proto__ key is an own property, not the prototype.
  const proto = parseJsonBody(bytes('{"__proto__":{"x":1}}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.ok(Object.hasOwn(proto, '__proto__'));
});

void test('no other space, no byte-order mark, no trailing text, UTF-8 only', () => {
  for (const pad of OTHER_SPACE) {
    refused(() => parseJsonBody(bytes(`${pad}{}`)), 400, 'decoding_error');
    refused(() => parseJsonBody(bytes(`{}${pad}`)), 400, 'decoding_error');
  }
  refused(() => parseJsonBody(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), 400, 'decoding_error');
  refused(() => parseJsonBody(new Uint8Array([0x7b, 0xff, 0x7d])), 400, 'decoding_error');
  refused(() => parseJsonBody(bytes('{} {}')), 400, 'decoding_error');
  refused(() => parseJsonBody(bytes('{not json')), 400, 'decoding_error');
});

void test('nesting is bounded before parsing; brackets inside strings do not count', () => {
  assert.equal(nestsDeeperThan('[[[]]]', 3), false);
  assert.equal(nestsDeeperThan('[[[[]]]]', 3), true);
  assert.equal(nestsDeeperThan('{"a":"[[[[[[\\"[["}', 1), false);
  assert.deepEqual(parseJsonBody(bytes(`${'['.repeat(16)}${']'.repeat(16)}`)), [
    [[[[[[[[[[[[[[[]]]]]]]]]]]]]]],
  ]);
  refused(() => parseJsonBody(bytes(`${'['.repeat(17)}${']'.repeat(17)}`)), 400, 'invalid_params');
  refused(() => parseJsonBody(bytes('['.repeat(1_000_000))), 400, 'invalid_params');
});

const stream = (chunks: Uint8Array[], endless = false) =>
  new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else if (!endless) controller.close();
      // endless: never closes, like a client that stops sending
    },
  });

void test('reads a body within its byte and time bounds', async () => {
  assert.deepEqual(await readBody(null, { maxBytes: 10, timeoutMs: 1000 }), new Uint8Array());
  const got = await readBody(stream([bytes('{"a"'), bytes(':1}')]), { maxBytes: 10, timeoutMs: 1000 });
  assert.equal(new TextDecoder().decode(got), '{"a":1}');
  await assert.rejects(
    readBody(stream([bytes('123456'), bytes('789012')]), { maxBytes: 10, timeoutMs: 1000 }),
    (e: unknown) => e instanceof BodyError && e.status === 413 && e.errorCode === 'payload_too_large',
  );
  await assert.rejects(
    readBody(stream([bytes('{')], true), { maxBytes: 10, timeoutMs: 50 }),
    (e: unknown) => e instanceof BodyError && e.status === 408 && e.errorCode === 'request_timeout',
  );
  const broken = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error('aborted'));
    },
  });
  await assert.rejects(
    readBody(broken, { maxBytes: 10, timeoutMs: 1000 }),
    (e: unknown) => e instanceof BodyError && e.aborted,
  );
});
