import { expect } from '@open-wc/testing';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsErrorEvent } from '../../src/elements/events.ts';
import { testEnv } from '../helpers/env.ts';
import { makeRoom, nextEvent, roomName, waitFor, watchPageErrors } from './helpers.ts';

/** The visible error message inside the room. */
async function visibleError(room: CallsRoom): Promise<string> {
  const el = await waitFor(() => room.shadowRoot?.querySelector('[part="error"]'), 'a visible error');
  return el.textContent ?? '';
}

async function expectJoinError(
  make: () => Promise<CallsRoom>,
  code: string,
): Promise<{ room: CallsRoom; event: CallsErrorEvent }> {
  const watch = watchPageErrors();
  const error = nextEvent(document, 'calls-error');
  const room = await make();
  const event = await error;
  expect(event.detail.code).to.equal(code);
  expect(event.detail.message).to.be.a('string').and.not.equal('');
  let rejected: unknown;
  await room.join().catch((e: unknown) => (rejected = e));
  expect((rejected as { code?: string } | undefined)?.code).to.equal(code);
  expect(await visibleError(room)).to.contain(event.detail.message);
  await new Promise((r) => setTimeout(r, 0));
  watch.stop();
  expect(watch.errors).to.deep.equal([]);
  return { room, event };
}

/** Replaces getUserMedia for one test with a fake that fails with `name`. */
function denyMedia(name: 'NotAllowedError' | 'NotFoundError'): () => void {
  const media = navigator.mediaDevices;
  const original = media.getUserMedia.bind(media);
  const calls: MediaStreamConstraints[] = [];
  media.getUserMedia = function fakeGetUserMedia(constraints?: MediaStreamConstraints) {
    calls.push(constraints ?? {});
    return Promise.reject(new DOMException('fake', name));
  };
  return () => {
    media.getUserMedia = original;
  };
}

describe('<calls-room> errors', () => {
  it('token endpoint 401: token-unauthorized', async () => {
    const env = await testEnv();
    // The Calls proxy answers 401 to a request without a room token: a real 401 from a real endpoint.
    await expectJoinError(
      () => makeRoom(roomName('e401'), 'Ada', { tokenEndpoint: `${env.backendUrl}/api/calls/sessions/new` }),
      'token-unauthorized',
    );
  });

  it('token endpoint 500: token-failed, with a translated message', async () => {
    const original = window.fetch.bind(window);
    window.fetch = function fakeTokenEndpoint500(input: RequestInfo | URL, init?: RequestInit) {
      const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
      if (url.endsWith('/fake-token-500')) {
        return Promise.resolve(new Response('{"errorDescription":"boom"}', { status: 500 }));
      }
      return original(input, init);
    };
    try {
      const { room } = await expectJoinError(
        () => makeRoom(roomName('e500'), 'Ada', { tokenEndpoint: `${location.origin}/fake-token-500` }),
        'token-failed',
      );
      room.strings = { errors: { 'token-failed': 'Zugang fehlgeschlagen' } };
      await room.updateComplete;
      expect(await visibleError(room)).to.contain('Zugang fehlgeschlagen');
    } finally {
      window.fetch = original;
    }
  });

  it('backend down: backend-unreachable', async () => {
    await expectJoinError(
      () => makeRoom(roomName('down'), 'Ada', { endpoint: 'http://127.0.0.1:9/api' }),
      'backend-unreachable',
    );
  });

  it('camera and microphone denied: media-denied, and the room still joins to watch', async () => {
    const restore = denyMedia('NotAllowedError');
    try {
      const watch = watchPageErrors();
      const error = nextEvent(document, 'calls-error');
      const room = await makeRoom(roomName('denied'), 'Ada');
      expect((await error).detail.code).to.equal('media-denied');
      await room.join();
      expect(room.state.status).to.equal('joined');
      expect(await visibleError(room)).to.contain((await error).detail.message);
      room.leave();
      watch.stop();
      expect(watch.errors).to.deep.equal([]);
    } finally {
      restore();
    }
  });

  it('no devices: media-not-found', async () => {
    const restore = denyMedia('NotFoundError');
    try {
      const error = nextEvent(document, 'calls-error');
      const room = await makeRoom(roomName('nodev'), 'Ada');
      expect((await error).detail.code).to.equal('media-not-found');
      await room.join();
      room.leave();
    } finally {
      restore();
    }
  });
});
