/**
 * The SFU's negotiation state machine driven from Node, with werift playing the browser: publish with a
 * client offer, pull with an SFU offer (ICE-lite, msid), 406 while that offer is unanswered, bad and
 * replayed answers, GET session statuses, forced and negotiated closes, tracks/update, 425 for a transport
 * that never connects, data channel allocation. Every response is checked against calls-openapi.yaml.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import {
  OP,
  Publisher,
  Subscriber,
  TestSfu,
  clientPeer,
  connected,
  itRetrying,
  list,
  sendAudio,
  until,
  closeAfterAll,
} from './node-harness.ts';

const OTHER_SECRET = 'other-app-secret-0123456789';
const OTHER_APP = { appId: 'other-app', authorization: `Bearer ${OTHER_SECRET}` };

let sfu: TestSfu;
before(async () => {
  sfu = await TestSfu.start(
    { pullWaitMs: 400, connectWaitMs: 400 },
    { apps: { [OTHER_APP.appId]: OTHER_SECRET } },
  );
});
after(() => sfu.close());

const { track, onCleanup } = closeAfterAll();

type Item = Record<string, unknown>;

void describe('publish and pull', () => {
  let publisher: Publisher;
  before(async () => {
    publisher = track(new Publisher(sfu));
    const reply = await publisher.publish(['mic', 'mic2']);
    assert.equal(reply.body.requiresImmediateRenegotiation, false);
    assert.equal(reply.body.sessionDescription?.type, 'answer');
    assert.deepEqual(
      list(reply.body.tracks).map((t) => [t.trackName, t.mid]),
      [
        ['mic', '0'],
        ['mic2', '1'],
      ],
    );
    const sdp = reply.body.sessionDescription?.sdp;
    assert.match(sdp, /^a=ice-lite/m);
    assert.match(sdp, /^a=recvonly/m);
  });

  void itRetrying(
    'a pull returns an SFU offer (ICE-lite, BUNDLE, msid, loopback candidate) with requiresImmediateRenegotiation',
    async () => {
      const sub = track(await new Subscriber(sfu).init());
      const reply = await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic' }]);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.requiresImmediateRenegotiation, true);
      assert.equal(reply.body.sessionDescription?.type, 'offer');
      const sdp = reply.body.sessionDescription?.sdp;
      assert.match(sdp, /^a=ice-lite/m);
      assert.match(sdp, /^a=group:BUNDLE 0/m);
      assert.match(sdp, /^a=setup:actpass/m);
      assert.match(sdp, /^a=sendonly/m);
      assert.match(sdp, new RegExp(`^a=msid:${publisher.sessionId} mic`, 'm'));
      assert.match(sdp, /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m);
      assert.match(sdp, /^a=ice-ufrag:/m);
      assert.match(sdp, /^a=fingerprint:sha-256 /m);
      assert.deepEqual(reply.body.tracks, [
        { location: 'remote', sessionId: publisher.sessionId, trackName: 'mic', mid: '0' },
      ]);
    },
  );

  void itRetrying(
    'refuses mutations with 406 while the SFU offer is unanswered; a bad answer is 400 and leaves it pending',
    async () => {
      const sub = track(await new Subscriber(sfu).init());
      const pull = await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic' }]);
      assert.equal(pull.status, 200);

      const second = await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic2' }]);
      assert.equal(second.status, 406, JSON.stringify(second.body));
      const establish = await sfu.call(OP.dcEstablish, {
        sessionId: sub.sessionId,
        body: { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
      });
      assert.equal(establish.status, 406);
      const negotiatedClose = await sfu.call(OP.tracksClose, {
        sessionId: sub.sessionId,
        body: { tracks: [{ mid: '0' }], force: false, sessionDescription: { type: 'offer', sdp: 'v=0\r\n' } },
      });
      assert.equal(negotiatedClose.status, 406);

      // Answers that cannot answer this offer: refused without harming the session.
      const answer = await sub.answer(pull.body.sessionDescription);
      const twoSections = answer.replace(/(m=audio[\s\S]*)$/, '$1$1');
      for (const bad of ['garbage', 'v=0\r\n', twoSections]) {
        const r = await sub.renegotiate(bad);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.errorCode, 'invalid_session_description');
      }
      assert.equal(
        (await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic2' }])).status,
        406,
      );

      const ok = await sub.renegotiate(answer);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, {});
      await connected(sub.pc);
      await until(() => sub.received >= 5, 'pulled RTP reaches the subscriber');

      const replayed = await sub.renegotiate(answer);
      assert.equal(replayed.status, 400);
      assert.equal(replayed.body.errorCode, 'invalid_session_description');

      // The exchange is over: the next pull is accepted, and gets the next mid.
      const next = await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic2' }]);
      assert.equal(next.status, 200);
      assert.equal(list(next.body.tracks)[0]?.mid, '1');
      assert.equal((await sub.accept(next.body.sessionDescription)).status, 200);
    },
  );

  void itRetrying(
    'a batch with an unknown track still pulls the others: per-item mid "" beside an SFU offer',
    async () => {
      const sub = track(await new Subscriber(sfu).init());
      const reply = await sub.pullRequest([
        { sessionId: publisher.sessionId, trackName: 'nope' },
        { sessionId: publisher.sessionId, trackName: 'mic2' },
      ]);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.requiresImmediateRenegotiation, true);
      const [missing, found] = reply.body.tracks as Item[];
      assert.equal(missing!.mid, '');
      assert.equal(missing!.errorCode, 'not_found_track_error');
      assert.equal(missing!.trackName, 'nope');
      assert.equal(found!.mid, '0');
      assert.equal(found!.errorCode, undefined);
      assert.equal((await sub.accept(reply.body.sessionDescription)).status, 200);
      await connected(sub.pc);
      await until(() => sub.received >= 3, 'the found track flows');
    },
  );

  void itRetrying(
    'GET session shows pulls active after renegotiate, inactive after a forced close; tracks/update per item',
    async () => {
      const sub = track(await new Subscriber(sfu).init());
      const pull = await sub.pullRequest([
        { sessionId: publisher.sessionId, trackName: 'mic' },
        { sessionId: publisher.sessionId, trackName: 'mic2' },
      ]);
      assert.equal((await sub.accept(pull.body.sessionDescription)).status, 200);
      await connected(sub.pc);

      const state = await sfu.call(OP.getSession, { sessionId: sub.sessionId });
      assert.equal(state.status, 200);
      assert.deepEqual(
        list(state.body.tracks).map((t) => [t.location, t.mid, t.sessionId, t.trackName, t.status]),
        [
          ['remote', '0', publisher.sessionId, 'mic', 'active'],
          ['remote', '1', publisher.sessionId, 'mic2', 'active'],
        ],
      );
      const pubState = await sfu.call(OP.getSession, { sessionId: publisher.sessionId });
      assert.deepEqual(
        list(pubState.body.tracks).map((t) => [t.location, t.mid, t.trackName, t.status]),
        [
          ['local', '0', 'mic', 'active'],
          ['local', '1', 'mic2', 'active'],
        ],
      );

      // tracks/update: the same track without simulcast is fine; simulcast on a non-simulcast track is not.
      const update = await sfu.call(OP.tracksUpdate, {
        sessionId: sub.sessionId,
        body: {
          tracks: [
            { location: 'remote', mid: '0', sessionId: publisher.sessionId, trackName: 'mic' },
            {
              location: 'remote',
              mid: '1',
              sessionId: publisher.sessionId,
              trackName: 'mic2',
              simulcast: {
                preferredRid: 'h',
                priorityOrdering: 'asciibetical',
                ridNotAvailable: 'asciibetical',
              },
            },
            { location: 'remote', mid: '1', sessionId: publisher.sessionId, trackName: 'nope' },
          ],
        },
      });
      assert.equal(update.status, 200);
      assert.equal(update.body.requiresImmediateRenegotiation, false);
      const [same, simulcast, missing] = update.body.tracks as Item[];
      assert.deepEqual([same!.mid, same!.errorCode], ['0', undefined]);
      assert.deepEqual([simulcast!.mid, simulcast!.errorCode], ['1', 'update_track_error']);
      assert.deepEqual([missing!.mid, missing!.errorCode], ['1', 'not_found_track_error']);

      const close = await sfu.call(OP.tracksClose, {
        sessionId: sub.sessionId,
        body: { tracks: [{ mid: '0' }, { mid: '5' }], force: true },
      });
      assert.equal(close.status, 200);
      assert.equal(close.body.sessionDescription, undefined);
      assert.deepEqual(
        list(close.body.tracks).map((t) => [t.mid, t.errorCode]),
        [
          ['0', undefined],
          ['5', 'close_track_error'],
        ],
      );
      const after = await sfu.call(OP.getSession, { sessionId: sub.sessionId });
      assert.deepEqual(
        list(after.body.tracks).map((t) => [t.mid, t.status]),
        [
          ['0', 'inactive'],
          ['1', 'active'],
        ],
      );
      const again = await sfu.call(OP.tracksClose, {
        sessionId: sub.sessionId,
        body: { tracks: [{ mid: '0' }], force: true },
      });
      assert.equal(list(again.body.tracks)[0]?.errorCode, 'close_track_error');
      const updateClosed = await sfu.call(OP.tracksUpdate, {
        sessionId: sub.sessionId,
        body: {
          tracks: [{ location: 'remote', mid: '0', sessionId: publisher.sessionId, trackName: 'mic' }],
        },
      });
      assert.equal(list(updateClosed.body.tracks)[0]?.errorCode, 'update_track_error');
      // The other pulled track keeps flowing.
      const before = sub.received;
      await until(() => sub.received >= before + 5, 'the remaining pulled track keeps flowing');
    },
  );

  void itRetrying(
    "a publisher's forced close makes its track inactive for itself and for its subscribers",
    async () => {
      const pub = track(new Publisher(sfu));
      await pub.publish(['cam']);
      const sub = track(await new Subscriber(sfu).init());
      const pull = await sub.pullRequest([{ sessionId: pub.sessionId, trackName: 'cam' }]);
      assert.equal((await sub.accept(pull.body.sessionDescription)).status, 200);
      await connected(sub.pc);

      const close = await sfu.call(OP.tracksClose, {
        sessionId: pub.sessionId,
        body: { tracks: [{ mid: '0' }], force: true },
      });
      assert.deepEqual(close.body.tracks, [{ mid: '0' }]);
      const pubState = await sfu.call(OP.getSession, { sessionId: pub.sessionId });
      assert.equal(list(pubState.body.tracks)[0]?.status, 'inactive');
      const subState = await sfu.call(OP.getSession, { sessionId: sub.sessionId });
      assert.equal(list(subState.body.tracks)[0]?.status, 'inactive');
      // The publication is gone: a new pull of it fails per item.
      const late = await sfu.call(OP.tracksNew, {
        sessionId: await sfu.newSession(),
        body: { tracks: [{ location: 'remote', sessionId: pub.sessionId, trackName: 'cam' }] },
      });
      assert.equal(list(late.body.tracks)[0]?.errorCode, 'not_found_track_error');
      assert.equal(list(late.body.tracks)[0]?.mid, '');
    },
  );

  void itRetrying(
    'a negotiated close (force: false) answers the client offer and stops the track',
    async () => {
      const pub = track(new Publisher(sfu));
      await pub.publish(['a', 'b']);
      const [first] = pub.pc.getTransceivers();
      first!.setDirection('inactive');
      await pub.pc.setLocalDescription(await pub.pc.createOffer());
      const close = await sfu.call(OP.tracksClose, {
        sessionId: pub.sessionId,
        body: {
          tracks: [{ mid: first!.mid }],
          force: false,
          sessionDescription: { type: 'offer', sdp: pub.pc.localDescription!.sdp },
        },
      });
      assert.equal(close.status, 200, JSON.stringify(close.body));
      assert.equal(close.body.requiresImmediateRenegotiation, false);
      assert.equal(close.body.sessionDescription?.type, 'answer');
      assert.deepEqual(close.body.tracks, [{ mid: '0' }]);
      await pub.pc.setRemoteDescription(close.body.sessionDescription);
      const state = await sfu.call(OP.getSession, { sessionId: pub.sessionId });
      assert.deepEqual(
        list(state.body.tracks).map((t) => [t.mid, t.trackName, t.status]),
        [
          ['0', 'a', 'inactive'],
          ['1', 'b', 'active'],
        ],
      );
    },
  );

  void itRetrying(
    'a pull of a publication that never sent RTP fails with empty_track_error after the pull wait',
    async () => {
      const pub = track(new Publisher(sfu));
      await pub.publish(['silent'], { rtp: false });
      const sub = track(await new Subscriber(sfu).init());
      const reply = await sub.pullRequest([{ sessionId: pub.sessionId, trackName: 'silent' }]);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.requiresImmediateRenegotiation, false);
      assert.deepEqual(
        list(reply.body.tracks).map((t) => [t.mid, t.errorCode]),
        [['', 'empty_track_error']],
      );
    },
  );
});

void describe('connection', () => {
  void itRetrying(
    '425 session_error when a later operation waits past connectWaitMs for a transport that never connects',
    async () => {
      // The client sends its offer but never applies the SFU's answer, so ICE never starts.
      const pc = track(clientPeer());
      const sessionId = await sfu.newSession();
      const t = pc.addTransceiver('audio', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const first = await sfu.call(OP.tracksNew, {
        sessionId,
        body: {
          sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
          tracks: [{ location: 'local', mid: t.mid, trackName: 'mic' }],
        },
      });
      assert.equal(first.status, 200, 'the first exchange is allowed before connectivity');

      const started = performance.now();
      const second = await sfu.call(OP.tracksNew, {
        sessionId,
        body: { tracks: [{ location: 'remote', sessionId, trackName: 'mic' }] },
      });
      assert.equal(second.status, 425, JSON.stringify(second.body));
      assert.equal(second.body.errorCode, 'session_error');
      assert.ok(performance.now() - started >= 350, 'it waited for the connection first');
      const establish = await sfu.call(OP.dcEstablish, {
        sessionId,
        body: { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
      });
      assert.equal(establish.status, 425);
      // Reads and forced closes need no transport.
      assert.equal((await sfu.call(OP.getSession, { sessionId })).status, 200);

      // Applying the answer late connects the session, and the same call then succeeds.
      await pc.setRemoteDescription(first.body.sessionDescription!);
      await connected(pc);
      const retried = await sfu.call(OP.tracksClose, {
        sessionId,
        body: { tracks: [{ mid: '0' }], force: true },
      });
      assert.deepEqual(retried.body.tracks, [{ mid: '0' }]);
    },
  );

  void itRetrying(
    'legacy sessions/new with an offer answers at once (201, sessionId and answer)',
    async () => {
      const pc = track(clientPeer());
      pc.addTransceiver('audio', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const r = await sfu.call(OP.newSession, {
        body: { sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp } },
      });
      assert.equal(r.status, 201);
      assert.match(r.body.sessionId, /^[0-9a-f]{32}$/);
      assert.equal(r.body.sessionDescription?.type, 'answer');
      await pc.setRemoteDescription(r.body.sessionDescription);
      await connected(pc);
    },
  );

  void itRetrying('offers and answers say at session level that the SFU is ICE-lite', async () => {
    // Chrome reads it there only; without it, it starts as the controlled agent and nominates ~110 ms late.
    const sessionLevel = (sdp: string) => sdp.slice(0, sdp.indexOf('\r\nm=') + 2).split('\r\n');
    const pc = track(clientPeer());
    pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const created = await sfu.call(OP.newSession, {
      body: { sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp } },
    });
    assert.ok(sessionLevel(created.body.sessionDescription!.sdp).includes('a=ice-lite'), 'in the answer');
    const { sessionId } = await sfu.call(OP.newSession, { body: {} }).then((x) => x.body);
    const establish = await sfu.call(OP.dcEstablish, {
      sessionId,
      body: { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
    });
    const offer = establish.body.sessionDescription!.sdp;
    assert.ok(sessionLevel(offer).includes('a=ice-lite'), 'in the offer');
    assert.equal(
      offer.split('\r\n').filter((l) => l === 'a=ice-lite').length,
      2,
      'once there, once per m= line',
    );
  });
});

void describe('data channels', () => {
  void itRetrying(
    'establish (SFU offer), allocate, pull, duplicate, close, and a second establish',
    async () => {
      const publisher = track(await new Subscriber(sfu).init());
      const subscriber = track(await new Subscriber(sfu).init());
      for (const peer of [publisher, subscriber]) {
        const r = await sfu.call(OP.dcEstablish, {
          sessionId: peer.sessionId,
          body: { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.requiresImmediateRenegotiation, true);
        assert.equal(r.body.sessionDescription?.type, 'offer');
        assert.match(
          r.body.sessionDescription?.sdp,
          /^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/m,
        );
        assert.equal(r.body.dataChannel?.dataChannelName, 'server-events');
        assert.equal(typeof r.body.dataChannel?.id, 'number');
        const pending = await sfu.call(OP.dcNew, {
          sessionId: peer.sessionId,
          body: { dataChannels: [{ location: 'local', dataChannelName: 'early' }] },
        });
        assert.equal(pending.status, 406, 'no allocation while the transport offer is unanswered');
        assert.equal((await peer.accept(r.body.sessionDescription)).status, 200);
        await connected(peer.pc);
      }

      const local = await sfu.call(OP.dcNew, {
        sessionId: publisher.sessionId,
        body: { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] },
      });
      assert.equal(local.status, 200);
      const [pubChannel] = local.body.dataChannels as Item[];
      assert.equal(pubChannel!.dataChannelName, 'chat');
      assert.equal(typeof pubChannel!.id, 'number');
      assert.equal(pubChannel!.errorCode, undefined);

      const dup = await sfu.call(OP.dcNew, {
        sessionId: publisher.sessionId,
        body: { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] },
      });
      assert.equal(dup.status, 200);
      assert.equal(list(dup.body.dataChannels)[0]?.errorCode, 'repeated_local_track_error');

      const remote = await sfu.call(OP.dcNew, {
        sessionId: subscriber.sessionId,
        body: {
          dataChannels: [
            { location: 'remote', sessionId: publisher.sessionId, dataChannelName: 'chat' },
            { location: 'remote', sessionId: publisher.sessionId, dataChannelName: 'nope' },
          ],
        },
      });
      assert.equal(remote.status, 200);
      const [pulled, missing] = remote.body.dataChannels as Item[];
      assert.equal(pulled!.sessionId, publisher.sessionId);
      assert.equal(typeof pulled!.id, 'number');
      assert.equal(pulled!.errorCode, undefined);
      assert.equal(missing!.errorCode, 'not_found_track_error');

      const granted = await sfu.call(OP.dcUpdate, {
        sessionId: subscriber.sessionId,
        body: {
          dataChannels: [
            { location: 'remote', sessionId: publisher.sessionId, dataChannelName: 'chat', canReply: true },
          ],
        },
      });
      assert.equal(granted.status, 200);
      assert.equal(list(granted.body.dataChannels)[0]?.canReply, true);
      assert.equal(list(granted.body.dataChannels)[0]?.id, pulled!.id);

      const state = await sfu.call(OP.getSession, { sessionId: subscriber.sessionId });
      assert.deepEqual(
        list(state.body.dataChannels).map((d) => [d.location, d.sessionId, d.dataChannelName, d.id]),
        [['remote', publisher.sessionId, 'chat', pulled!.id]],
      );

      const closed = await sfu.call(OP.dcClose, {
        sessionId: subscriber.sessionId,
        body: { dataChannels: [{ id: pulled!.id }] },
      });
      assert.equal(closed.status, 200);
      assert.equal(list(closed.body.dataChannels)[0]?.errorCode, undefined);
      const closedAgain = await sfu.call(OP.dcClose, {
        sessionId: subscriber.sessionId,
        body: { dataChannels: [{ id: pulled!.id }] },
      });
      assert.equal(list(closedAgain.body.dataChannels)[0]?.errorCode, 'close_track_error');

      const second = await sfu.call(OP.dcEstablish, {
        sessionId: publisher.sessionId,
        body: { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
      });
      assert.equal(second.status, 400);
      assert.equal(second.body.errorCode, 'decoding_error');
    },
  );
});

void describe('other negotiation modes', () => {
  let publisher: Publisher;
  before(async () => {
    publisher = track(new Publisher(sfu));
    await publisher.publish(['mic']);
  });

  void itRetrying(
    'autoDiscover publishes every new sending m-line under a random trackName (mode E)',
    async () => {
      const pc = track(clientPeer());
      const sessionId = await sfu.newSession();
      const transceivers = [0, 1].map(() => pc.addTransceiver('audio', { direction: 'sendonly' }));
      await pc.setLocalDescription(await pc.createOffer());
      const r = await sfu.call(OP.tracksNew, {
        sessionId,
        body: { sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp }, autoDiscover: true },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.requiresImmediateRenegotiation, false);
      assert.equal(r.body.sessionDescription?.type, 'answer');
      const items = list(r.body.tracks);
      assert.deepEqual(
        items.map((t) => t.mid),
        transceivers.map((t) => t.mid),
      );
      for (const t of items) assert.match(t.trackName ?? '', /^[0-9a-f-]{36}$/);
      await pc.setRemoteDescription(r.body.sessionDescription);
      await connected(pc);
      const state = await sfu.call(OP.getSession, { sessionId });
      assert.deepEqual(
        list(state.body.tracks).map((t) => [t.location, t.trackName, t.status]),
        items.map((t) => ['local', t.trackName, 'active']),
      );
    },
  );

  void itRetrying(
    'a push without an offer gets an SFU offer to answer (mode D); kind is required',
    async () => {
      const pc = track(clientPeer());
      const sessionId = await sfu.newSession();
      const noKind = await sfu.call(OP.tracksNew, {
        sessionId,
        body: { tracks: [{ location: 'local', trackName: 'gen' }] },
      });
      assert.equal(noKind.status, 200);
      assert.deepEqual(
        list(noKind.body.tracks).map((t) => [t.mid, t.errorCode]),
        [['', 'invalid_params']],
      );

      const r = await sfu.call(OP.tracksNew, {
        sessionId,
        body: { tracks: [{ location: 'local', trackName: 'gen', kind: 'audio' }] },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.requiresImmediateRenegotiation, true);
      assert.equal(r.body.sessionDescription?.type, 'offer');
      assert.match(r.body.sessionDescription?.sdp ?? '', /^a=recvonly/m);
      assert.deepEqual(
        list(r.body.tracks).map((t) => [t.trackName, t.mid]),
        [['gen', '0']],
      );
      await pc.setRemoteDescription(r.body.sessionDescription);
      const [transceiver] = pc.getTransceivers();
      transceiver!.setDirection('sendonly');
      await pc.setLocalDescription(await pc.createAnswer());
      const answered = await sfu.call(OP.renegotiate, {
        sessionId,
        body: { sessionDescription: { type: 'answer', sdp: pc.localDescription!.sdp } },
      });
      assert.equal(answered.status, 200, JSON.stringify(answered.body));
      await connected(pc);
      const state = await sfu.call(OP.getSession, { sessionId });
      assert.deepEqual(
        list(state.body.tracks).map((t) => [t.location, t.mid, t.trackName, t.status]),
        [['local', '0', 'gen', 'active']],
      );
    },
  );

  void itRetrying(
    'a pull with a client offer (WHEP style, mode C) is answered at once and flows',
    async () => {
      const pc = track(clientPeer());
      let received = 0;
      pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => received++));
      const sessionId = await sfu.newSession();
      const transceiver = pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const r = await sfu.call(OP.tracksNew, {
        sessionId,
        body: {
          sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
          tracks: [{ location: 'remote', sessionId: publisher.sessionId, trackName: 'mic' }],
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.requiresImmediateRenegotiation, false);
      assert.equal(r.body.sessionDescription?.type, 'answer');
      assert.deepEqual(
        list(r.body.tracks).map((t) => [t.sessionId, t.trackName, t.mid, t.errorCode]),
        [[publisher.sessionId, 'mic', transceiver.mid, undefined]],
      );
      await pc.setRemoteDescription(r.body.sessionDescription);
      await connected(pc);
      await until(() => received >= 3, 'the WHEP-style pull flows');
    },
  );

  void itRetrying(
    'renegotiate with a client offer returns an answer and keeps the session flowing',
    async () => {
      const sub = track(await new Subscriber(sfu).init());
      const pull = await sub.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic' }]);
      assert.equal((await sub.accept(pull.body.sessionDescription)).status, 200);
      await connected(sub.pc);
      await sub.pc.setLocalDescription(await sub.pc.createOffer());
      const r = await sfu.call(OP.renegotiate, {
        sessionId: sub.sessionId,
        body: { sessionDescription: { type: 'offer', sdp: sub.pc.localDescription!.sdp } },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.sessionDescription?.type, 'answer');
      await sub.pc.setRemoteDescription(r.body.sessionDescription);
      const before = sub.received;
      await until(
        () => sub.received >= before + 5,
        'the pull keeps flowing after the client-offered exchange',
      );
    },
  );
});

void describe('per-item failures with a client offer, and app isolation', () => {
  void itRetrying('local items the offer cannot carry fail alone with mid "", beside an answer', async () => {
    const pc = track(clientPeer());
    const sessionId = await sfu.newSession();
    const t = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const r = await sfu.call(OP.tracksNew, {
      sessionId,
      body: {
        sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
        tracks: [
          { location: 'local', mid: t.mid, trackName: 'ok' },
          { location: 'local', mid: '9', trackName: 'no-such-mid' },
          { location: 'local', mid: t.mid },
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.sessionDescription?.type, 'answer');
    const [ok, noMid, noName] = list(r.body.tracks);
    assert.deepEqual([ok!.trackName, ok!.mid, ok!.errorCode], ['ok', t.mid, undefined]);
    assert.deepEqual([noMid!.trackName, noMid!.mid], ['no-such-mid', '']);
    assert.equal(typeof noMid!.errorCode, 'string');
    assert.equal(noName!.mid, '');
    assert.equal(typeof noName!.errorCode, 'string');
    await pc.setRemoteDescription(r.body.sessionDescription);
    await connected(pc);

    // The same trackName again on another m-line of the session: refused per item.
    const again = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const dup = await sfu.call(OP.tracksNew, {
      sessionId,
      body: {
        sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
        tracks: [{ location: 'local', mid: again.mid, trackName: 'ok' }],
      },
    });
    assert.equal(dup.status, 200);
    assert.deepEqual(
      list(dup.body.tracks).map((x) => [x.mid, typeof x.errorCode]),
      [['', 'string']],
    );
    await pc.setRemoteDescription(dup.body.sessionDescription!);
  });

  void itRetrying("another app's publication cannot be pulled, nor its session read or changed", async () => {
    const foreign = track(new Publisher(sfu, OTHER_APP));
    await foreign.publish(['secret-mic']);
    const own = await sfu.call(OP.getSession, { ...OTHER_APP, sessionId: foreign.sessionId });
    assert.equal(own.status, 200);
    assert.equal(list(own.body.tracks)[0]?.status, 'active');

    const sub = track(await new Subscriber(sfu).init());
    const pull = await sub.pullRequest([{ sessionId: foreign.sessionId, trackName: 'secret-mic' }]);
    assert.equal(pull.status, 200);
    assert.equal(pull.body.requiresImmediateRenegotiation, false);
    assert.deepEqual(
      list(pull.body.tracks).map((t) => [t.mid, t.errorCode]),
      [['', 'not_found_track_error']],
    );
    assert.equal((await sfu.call(OP.getSession, { sessionId: foreign.sessionId })).status, 410);
    const close = await sfu.call(OP.tracksClose, {
      sessionId: foreign.sessionId,
      body: { tracks: [{ mid: '0' }], force: true },
    });
    assert.equal(close.status, 410);
    // Still published and flowing for its own app.
    const after = await sfu.call(OP.getSession, { ...OTHER_APP, sessionId: foreign.sessionId });
    assert.equal(list(after.body.tracks)[0]?.status, 'active');
  });
});

void describe('bad offers', () => {
  const breakages: [string, (sdp: string) => string][] = [
    ['without ICE credentials', (sdp) => sdp.replace(/a=ice-(ufrag|pwd):.*\r\n/g, '')],
    ['without a DTLS fingerprint', (sdp) => sdp.replace(/a=fingerprint:.*\r\n/g, '')],
    ['without codecs', (sdp) => sdp.replace(/a=rtpmap:.*\r\n/g, '')],
    ['without mids', (sdp) => sdp.replace(/a=mid:.*\r\n/g, '')],
  ];
  for (const [what, breakIt] of breakages) {
    void itRetrying(
      `a first offer ${what} is refused with 400 and the session still takes a good one`,
      async () => {
        const pc = track(clientPeer());
        const sessionId = await sfu.newSession();
        const t = pc.addTransceiver('audio', { direction: 'sendonly' });
        await pc.setLocalDescription(await pc.createOffer());
        const offer = pc.localDescription!.sdp;
        const tracks = [{ location: 'local', mid: t.mid, trackName: 'mic' }];
        const bad = await sfu.call(OP.tracksNew, {
          sessionId,
          body: { sessionDescription: { type: 'offer', sdp: breakIt(offer) }, tracks },
        });
        assert.equal(bad.status, 400, JSON.stringify(bad.body));
        assert.equal(bad.body.errorCode, 'invalid_session_description');
        const good = await sfu.call(OP.tracksNew, {
          sessionId,
          body: { sessionDescription: { type: 'offer', sdp: offer }, tracks },
        });
        assert.equal(good.status, 200, JSON.stringify(good.body));
        await pc.setRemoteDescription(good.body.sessionDescription!);
        await connected(pc);
        const state = await sfu.call(OP.getSession, { sessionId });
        assert.deepEqual(
          list(state.body.tracks).map((x) => [x.trackName, x.status]),
          [['mic', 'active']],
        );
      },
    );
  }
});

void describe('bidirectional transceivers', () => {
  void itRetrying(
    'a bidirectional push without an offer, then a pull into it with mid "#name" (no SDP exchange)',
    async () => {
      const source = track(new Publisher(sfu));
      await source.publish(['voice']);

      const pc = track(clientPeer());
      let received = 0;
      pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => received++));
      const sessionId = await sfu.newSession();
      const push = await sfu.call(OP.tracksNew, {
        sessionId,
        body: {
          tracks: [{ location: 'local', trackName: 'relay', kind: 'audio', bidirectionalMediaStream: true }],
        },
      });
      assert.equal(push.status, 200, JSON.stringify(push.body));
      assert.equal(push.body.requiresImmediateRenegotiation, true);
      assert.match(push.body.sessionDescription?.sdp ?? '', /^a=sendrecv/m);
      const mid = list(push.body.tracks)[0]?.mid;
      assert.equal(mid, '0');
      await pc.setRemoteDescription(push.body.sessionDescription!);
      const [transceiver] = pc.getTransceivers();
      transceiver!.setDirection('sendrecv');
      await pc.setLocalDescription(await pc.createAnswer());
      const answered = await sfu.call(OP.renegotiate, {
        sessionId,
        body: { sessionDescription: { type: 'answer', sdp: pc.localDescription!.sdp } },
      });
      assert.equal(answered.status, 200, JSON.stringify(answered.body));
      await connected(pc);
      const sending = sendAudio(transceiver!, 0x4242);
      onCleanup(() => sending.stop());
      assert.equal(received, 0, 'nothing comes back on the transceiver before the pull');

      const pull = await sfu.call(OP.tracksNew, {
        sessionId,
        body: {
          tracks: [{ location: 'remote', sessionId: source.sessionId, trackName: 'voice', mid: '#relay' }],
        },
      });
      assert.equal(pull.status, 200, JSON.stringify(pull.body));
      assert.equal(pull.body.sessionDescription, undefined);
      assert.notEqual(pull.body.requiresImmediateRenegotiation, true);
      assert.deepEqual(
        list(pull.body.tracks).map((t) => [t.sessionId, t.trackName, t.mid, t.errorCode]),
        [[source.sessionId, 'voice', mid, undefined]],
      );
      await until(() => received >= 5, 'the pulled track arrives on the bidirectional transceiver');

      // The relay's own publication is pullable by others.
      const sub = track(await new Subscriber(sfu).init());
      const back = await sub.pullRequest([{ sessionId, trackName: 'relay' }]);
      assert.equal(list(back.body.tracks)[0]?.errorCode, undefined, JSON.stringify(back.body));
      assert.equal((await sub.accept(back.body.sessionDescription)).status, 200);
      await connected(sub.pc);
      await until(() => sub.received >= 5, "the relay's publication flows to a subscriber");

      // "#name" of a track this session does not publish: refused per item.
      const wrong = await sfu.call(OP.tracksNew, {
        sessionId,
        body: {
          tracks: [{ location: 'remote', sessionId: source.sessionId, trackName: 'voice', mid: '#nope' }],
        },
      });
      assert.equal(wrong.status, 200);
      assert.deepEqual(
        list(wrong.body.tracks).map((t) => [t.mid, typeof t.errorCode]),
        [['', 'string']],
      );
    },
  );
});
