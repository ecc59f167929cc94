import { expect, fixture, html } from '@open-wc/testing';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import {
  endpoint,
  expectRemoteVideo,
  makeRoom,
  mintToken,
  nextEvent,
  roomName,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

interface Sent {
  via: 'fetch' | 'beacon';
  participantId: string;
  auth: string | null;
  body: string;
}

/** Records what the page sends to `/analytics`, by fetch and by beacon, and passes it on. */
function recordAnalytics(): { sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const realFetch = window.fetch.bind(window);
  const realBeacon = navigator.sendBeacon.bind(navigator);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith('/analytics') && typeof init?.body === 'string') {
      const auth = new Headers(init.headers).get('authorization');
      sent.push({
        via: 'fetch',
        participantId: (JSON.parse(init.body) as { participantId: string }).participantId,
        auth,
        body: init.body,
      });
    }
    return realFetch(input, init);
  };
  navigator.sendBeacon = (url, data) => {
    if (String(url).endsWith('/analytics') && data instanceof Blob) {
      void data.text().then((body) =>
        sent.push({
          via: 'beacon',
          participantId: (JSON.parse(body) as { participantId: string }).participantId,
          auth: null,
          body,
        }),
      );
    }
    return realBeacon(url, data);
  };
  return {
    sent,
    stop: () => {
      window.fetch = realFetch;
      navigator.sendBeacon = realBeacon;
    },
  };
}

describe('<calls-room> analytics', function () {
  this.timeout(120_000);
  it('sends its own samples and events (no names, no chat); no-analytics sends nothing; the backend has the call', async () => {
    const watch = watchPageErrors();
    const record = recordAnalytics();
    try {
      const room = roomName('analytics');
      const ada = await makeRoom(room, 'Ada', { muted: true });
      const bob = await fixture<CallsRoom>(
        html`<calls-room
          style="width: 420px; --calls-room-min-height: 0; --calls-tile-min-width: 120px"
          endpoint=${await endpoint()}
          room=${room}
          name="Bob"
          muted
          no-analytics
        ></calls-room>`,
      );
      await Promise.all([ada.join(), bob.join()]);
      await expectRemoteVideo(ada, 1);
      await expectRemoteVideo(bob, 1);
      // Bob still measures (the page's events do not depend on sending).
      await nextEvent(bob, 'calls-stats', () => true, 30_000);
      await waitFor(
        () => record.sent.some((s) => s.participantId === ada.state.selfId),
        'Ada reports after joining',
      );
      ada.send('a secret chat line');
      const adaId = ada.state.selfId!;
      const bobId = bob.state.selfId!;
      ada.leave();
      bob.leave();
      await waitFor(() => record.sent.some((s) => s.body.includes('"type":"left"')), 'Ada’s leave goes out');

      expect(record.sent.every((s) => s.participantId === adaId)).to.equal(true, 'nothing from Bob');
      for (const s of record.sent) {
        expect(s.body).not.to.contain('Ada');
        expect(s.body).not.to.contain('Bob');
        expect(s.body).not.to.contain('secret chat');
        // The room token only ever travels in the header; a beacon carries the scoped beacon token.
        if (s.via === 'beacon') expect(s.body).to.match(/"beaconToken":"[^"]+"/);
        else expect(s.auth).to.match(/^Bearer /);
      }
      const phases = record.sent.flatMap(
        (s) => (JSON.parse(s.body) as { events: { type: string; phase?: string }[] }).events,
      );
      expect(phases.filter((e) => e.type === 'join-phase').map((e) => e.phase)).to.include.members([
        'token',
        'session',
        'transport',
        'joined',
        'first-frame',
      ]);

      // A host of the room reads the call: Ada's figures, and no Bob.
      const host = await mintToken(room, 'Host', 'host');
      const api = await endpoint();
      const read = (path: string) =>
        fetch(`${api.replace(/\/api$/, '')}${path}`, {
          headers: { authorization: `Bearer ${host}` },
        }).then((r) => r.json());
      const call = await waitFor(async () => {
        const o = (await read('/api/analytics/overview')) as { calls: { id: string; room: string }[] };
        return o.calls.find((c) => c.room === room);
      }, 'the call on the dashboard');
      const detail = await waitFor(async () => {
        const d = (await read(`/api/analytics/calls/${encodeURIComponent(call.id)}`)) as {
          participants: {
            participantId: string;
            leftReason: string | null;
            phases: Record<string, number>;
          }[];
        };
        return d.participants[0]?.leftReason ? d : undefined;
      }, 'Ada’s leave stored');
      expect(detail.participants.map((p) => p.participantId)).to.deep.equal([adaId]);
      expect(detail.participants[0]!.phases.joined).to.be.greaterThan(0);
      expect(bobId).not.to.equal(adaId);
    } finally {
      record.stop();
      watch.stop();
    }
    expect(watch.errors).to.deep.equal([]);
  });
});
