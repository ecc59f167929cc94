/**
 * An honest connection state: through an SFU whose media announces an address this browser cannot reach
 * (as a wrong `SFU_ANNOUNCED_IP` or a firewall would make it), the room never says `connected` and ends with
 * `media-unreachable`, naming the announced addresses, in the time the README states (10 s).
 */
import { expect } from '@open-wc/testing';
import type { CallsErrorEvent } from '../../src/elements/events.ts';
import { testEnv } from '../helpers/env.ts';
import { makeRoom, nextEvent, roomName, waitFor } from './helpers.ts';

describe('<calls-room> media transport', () => {
  it('an unreachable SFU address: connecting, never connected, then media-unreachable with its address', async () => {
    const env = await testEnv();
    const states: string[] = [];
    const onState = (e: Event) => states.push((e as CustomEvent<{ state: string }>).detail.state);
    document.addEventListener('calls-connection-state-change', onState);
    try {
      const error = nextEvent(document, 'calls-error');
      const room = await makeRoom(roomName('unreachable'), 'Ada', {
        endpoint: `${env.unreachableBackendUrl}/api`,
      });
      const event: CallsErrorEvent = await error;
      expect(event.detail.code).to.equal('media-unreachable');
      expect(event.detail.fatal).to.equal(true);
      expect(event.detail.addresses).to.deep.equal([env.unreachableMediaIp]);
      expect(event.detail.cause).to.contain(env.unreachableMediaIp).and.contain('SFU_ANNOUNCED_IP');
      let rejected: unknown;
      await room.join().catch((e: unknown) => (rejected = e));
      expect((rejected as { code?: string } | undefined)?.code).to.equal('media-unreachable');
      const shown = await waitFor(() => room.shadowRoot?.querySelector('[part="error"]'), 'a visible error');
      expect(shown.textContent).to.contain(event.detail.message);
      expect(states).to.include('connecting');
      expect(states).not.to.include('connected');
      expect(room.state.status).to.equal('failed');
    } finally {
      document.removeEventListener('calls-connection-state-change', onState);
    }
  });

  it('a reachable SFU: connected comes only once the media transport is', async () => {
    const seen: { state: string; transport: string | undefined }[] = [];
    let room: Awaited<ReturnType<typeof makeRoom>> | undefined;
    const onState = (e: Event) => {
      const state = (e as CustomEvent<{ state: string }>).detail.state;
      seen.push({ state, transport: room?.model?.sfuSession?.peerConnection.connectionState });
    };
    document.addEventListener('calls-connection-state-change', onState);
    try {
      room = await makeRoom(roomName('honest'), 'Ada');
      await room.join();
      await waitFor(() => seen.some((s) => s.state === 'connected'), 'connected');
      for (const s of seen.filter((x) => x.state === 'connected')) expect(s.transport).to.equal('connected');
    } finally {
      document.removeEventListener('calls-connection-state-change', onState);
    }
  });
});
