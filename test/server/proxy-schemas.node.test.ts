/**
 * The proxy's body schemas never let through what the embedded SFU's schemas refuse, so a body the proxy
 * validated and forwarded is read the same way on the other side (generated bodies, fast-check).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod';
import { PROXY_BODIES } from '../../src/server/proxy-schemas.ts';
import type { CallsOperation } from '../../src/server/proxy-rules.ts';
import {
  dataChannelsBody,
  establishBody,
  newSessionBody,
  renegotiateBody,
  tracksCloseBody,
  tracksNewBody,
  tracksUpdateBody,
} from '../../src/sfu/schemas.ts';

const SFU_BODIES: Record<Exclude<CallsOperation, 'session/get'>, z.ZodType> = {
  'sessions/new': newSessionBody,
  'tracks/new': tracksNewBody,
  renegotiate: renegotiateBody,
  'tracks/close': tracksCloseBody,
  'tracks/update': tracksUpdateBody,
  'datachannels/establish': establishBody,
  'datachannels/new': dataChannelsBody,
  'datachannels/update': dataChannelsBody,
  'datachannels/close': dataChannelsBody,
};

const field = fc.oneof(
  fc.constantFrom('local', 'remote', 'offer', 'answer', 'none', 'asciibetical', 'v=0', '0', ''),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -1, max: 70_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const KEYS = [
  'location',
  'mid',
  'sessionId',
  'trackName',
  'bidirectionalMediaStream',
  'kind',
  'dataChannelName',
  'ordered',
  'maxRetransmits',
  'maxPacketLifeTime',
  'waitForAck',
  'canReply',
  'id',
  'force',
  'type',
  'sdp',
  'preferredRid',
  'priorityOrdering',
  'ridNotAvailable',
  '__proto__',
];
const entry = fc.dictionary(fc.constantFrom(...KEYS), field, { maxKeys: 5 });
const description = fc.record(
  { type: fc.constantFrom('offer', 'answer', 'pranswer'), sdp: fc.constantFrom('v=0', '', 'x') },
  { requiredKeys: [] },
);
const body = fc.record(
  {
    sessionDescription: fc.oneof(description, field),
    tracks: fc.oneof(fc.array(fc.oneof(entry, fc.record({ simulcast: entry })), { maxLength: 3 }), field),
    dataChannels: fc.oneof(fc.array(entry, { maxLength: 3 }), field),
    dataChannel: fc.oneof(entry, field),
    autoDiscover: field,
    force: field,
  },
  { requiredKeys: [] },
);

void test('what a proxy schema accepts, the SFU schema of the same route accepts', () => {
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...(Object.keys(SFU_BODIES) as (keyof typeof SFU_BODIES)[])),
      body,
      (op, value) => {
        const proxy = PROXY_BODIES[op]!.safeParse(value);
        if (!proxy.success) return;
        accepted++;
        const sfu = SFU_BODIES[op].safeParse(JSON.parse(JSON.stringify(proxy.data)));
        assert.ok(sfu.success, `${op} ${JSON.stringify(proxy.data)}: ${JSON.stringify(sfu.error?.issues)}`);
      },
    ),
    { numRuns: 2000 },
  );
  // The generator reaches valid bodies of every route often enough to mean something.
  assert.ok(accepted > 200, `only ${accepted} generated bodies were valid`);
});

void test('GET session takes no body at the proxy', () => {
  assert.equal(PROXY_BODIES['session/get'], null);
});
