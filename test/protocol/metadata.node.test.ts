import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkMetadata, METADATA_LIMITS, parseMetadataAttribute } from '../../src/protocol/metadata.ts';

void test('metadata: a flat object of strings, numbers and booleans passes unchanged', () => {
  const r = parseMetadataAttribute('{"order":"A-17","total":12.5,"vip":true}');
  assert.deepEqual(r, { ok: true, value: { order: 'A-17', total: 12.5, vip: true } });
  assert.deepEqual(parseMetadataAttribute(''), { ok: true, value: {} });
});

void test('metadata: nesting, arrays, null, bad keys, long strings and big objects are refused', () => {
  for (const text of [
    '[]',
    'null',
    '"x"',
    '{"a":{"b":1}}',
    '{"a":[1]}',
    '{"a":null}',
    '{"a b":1}',
    '{"":1}',
    `{"a":"${'x'.repeat(METADATA_LIMITS.maxStringLength + 1)}"}`,
    JSON.stringify(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]))),
    JSON.stringify(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'y'.repeat(200)]))),
    '{not json',
  ]) {
    const r = parseMetadataAttribute(text);
    assert.equal(r.ok, false, text.slice(0, 60));
  }
  assert.equal(checkMetadata({ n: Number.NaN }).ok, false);
});

void test('metadata: whatever passes stays within the byte limit (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const r = checkMetadata(v);
      if (r.ok)
        assert.ok(new TextEncoder().encode(JSON.stringify(r.value)).byteLength <= METADATA_LIMITS.maxBytes);
    }),
  );
});
