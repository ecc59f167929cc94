/**
 * Recording in real browsers against the real backend: a host records a two-participant call for ~6 s and
 * stops; everyone saw the indicator; the listed file is `complete`, and ffprobe (run by the test runner on the
 * downloaded file) finds the duration, a 1280x720 video stream, an audio stream and frames that are not blank.
 * Then a host's page (the script tag, the recorder chunk loaded from beside calls-room.js) is closed while it
 * records: the backend finalizes what it acknowledged as `partial`, and that file plays too.
 */
import { expect } from '@open-wc/testing';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsErrorEvent, CallsRecordingChangeEvent } from '../../src/elements/events.ts';
import type { RecordingInfo } from '../../src/protocol/recording.ts';
import { testEnv } from '../helpers/env.ts';
import { listRecordings, probeRecording } from '../helpers/recording.ts';
import { endpoint, expectRemoteVideo, makeRoom, mintToken, nextEvent, roomName, waitFor } from './helpers.ts';

const RECORD_MS = 6_000;

function liveRegion(room: CallsRoom): string {
  return room.shadowRoot?.querySelector('[part="live-region"]')?.textContent?.trim() ?? '';
}

function indicator(room: CallsRoom): HTMLElement | null | undefined {
  return room.shadowRoot?.querySelector<HTMLElement>('[part="recording"]');
}

function changes(room: CallsRoom): CallsRecordingChangeEvent['detail'][] {
  const seen: CallsRecordingChangeEvent['detail'][] = [];
  room.addEventListener('calls-recording-change', (e) => seen.push(e.detail));
  return seen;
}

describe('<calls-room> recording', function () {
  this.timeout(180_000);
  const frames: HTMLIFrameElement[] = [];
  const rooms: CallsRoom[] = [];
  afterEach(() => {
    for (const r of rooms.splice(0)) r.leave();
    for (const f of frames.splice(0)) f.remove();
  });

  it('a host records ~6 s of a two-participant call: complete, 1280x720 with audio, its duration, not blank', async () => {
    const room = roomName('rec');
    const hostToken = await mintToken(room, 'Ada', 'host');
    const host = await makeRoom(room, 'Ada', { token: hostToken });
    const guest = await makeRoom(room, 'Bob');
    rooms.push(host, guest);
    await expectRemoteVideo(host, 1);
    await expectRemoteVideo(guest, 1);
    const hostChanges = changes(host);
    const guestChanges = changes(guest);

    // Only hosts see the control, and only hosts may record.
    expect(host.shadowRoot?.querySelector('[part="record-button"]')).not.to.equal(null);
    expect(guest.shadowRoot?.querySelector('[part="record-button"]')).to.equal(null);
    const refused = nextEvent(
      guest,
      'calls-error',
      (e: CallsErrorEvent) => e.detail.code === 'recording-forbidden',
    );
    let rejected: unknown;
    await guest.startRecording().catch((e: unknown) => (rejected = e));
    expect((rejected as { code?: string }).code).to.equal('recording-forbidden');
    await refused;

    await host.startRecording();
    const started = performance.now();
    const shown = await waitFor(() => indicator(guest), 'the guest sees the recording indicator');
    expect(guest.matches(':state(recording)')).to.equal(true);
    expect(guest.recording?.startedBy.name).to.equal('Ada');
    expect(shown.textContent).to.contain('Ada');
    await waitFor(() => liveRegion(guest).includes('Ada started recording'), 'the live region announces it');
    expect(host.shadowRoot?.querySelector('[part="record-button"]')?.getAttribute('aria-pressed')).to.equal(
      'true',
    );
    // A second start while it runs is refused with its own code.
    const busy = nextEvent(
      host,
      'calls-error',
      (e: CallsErrorEvent) => e.detail.code === 'recording-in-progress',
    );
    await host.startRecording().catch(() => undefined);
    await busy;

    // The recording's length is what this test is about: it runs for RECORD_MS of wall time.
    await waitFor(() => performance.now() - started >= RECORD_MS, 'the recording to run', RECORD_MS + 5_000);
    await host.stopRecording();
    const realMs = performance.now() - started;
    await waitFor(() => !indicator(guest), 'the indicator goes away');
    await waitFor(
      () => liveRegion(guest).includes('Recording stopped'),
      'the live region announces the stop',
    );
    for (const seen of [hostChanges, guestChanges]) {
      expect(seen.map((d) => d.action)).to.deep.equal(['started', 'stopped']);
      expect(seen[0]?.startedBy.name).to.equal('Ada');
    }

    const [info] = await listRecordings(await endpoint(), room, hostToken);
    expect(info?.status).to.equal('complete');
    expect(info?.id).to.equal(hostChanges[0]?.recordingId);
    const file = await probeRecording(info!.downloadUrl!);
    expect(file.bytes).to.equal(info!.size);
    expect(
      Math.abs(file.durationS * 1000 - realMs),
      `duration ${file.durationS} s vs ${realMs} ms`,
    ).to.be.below(1000);
    expect(file.video?.width).to.equal(1280);
    expect(file.video?.height).to.equal(720);
    expect(file.audio?.codec, 'an audio stream').to.equal('opus');
    expect(file.frameStdDev, 'a frame that is not one flat colour').to.be.above(5);
    expect(file.decodesCleanly, file.decodeErrors).to.equal(true);
  });

  it('a host page closed mid-recording: the backend finalizes it as partial, and it plays', async () => {
    const { backendUrl } = await testEnv();
    const room = roomName('rec-closed');
    const hostToken = await mintToken(room, 'Host page', 'host');
    const guest = await makeRoom(room, 'Bob');
    rooms.push(guest);

    const frame = document.createElement('iframe');
    frame.allow = 'camera; microphone; autoplay';
    frame.style.cssText = 'width: 620px; height: 480px; border: 0';
    const url = new URL('/test/elements/recording-site.html', location.href);
    url.search = new URLSearchParams({ backend: backendUrl, room, token: hostToken }).toString();
    frame.src = url.href;
    document.body.append(frame);
    frames.push(frame);
    const win = await waitFor(() => frame.contentWindow, 'the host page');
    const host = await waitFor(() => {
      const el = frame.contentDocument?.querySelector<CallsRoom>('calls-room');
      return win.customElements.get('calls-room') && el?.state.status === 'joined' ? el : undefined;
    }, 'the host page to join');
    await expectRemoteVideo(guest, 1);
    await host.startRecording();
    const recorderUrl = `${new URL(backendUrl).origin}/calls-room-recorder.js`;
    expect(
      win.performance.getEntriesByName(recorderUrl),
      'the chunk came from beside calls-room.js',
    ).to.have.length(1);
    await waitFor(() => indicator(guest), 'the guest sees the recording indicator');

    // Two chunks acknowledged, then the page is gone (no stop, no goodbye).
    const acknowledged = await waitFor(
      async () => {
        const [info] = await listRecordings(await endpoint(), room, hostToken);
        return info && info.durationMs >= 5_000 ? info : undefined;
      },
      'two chunks acknowledged',
      30_000,
    );
    frame.remove();
    frames.length = 0;

    const stopped = nextEvent(guest, 'calls-recording-change', (e) => e.detail.action === 'stopped', 60_000);
    let info: RecordingInfo | undefined;
    await waitFor(
      async () => {
        [info] = await listRecordings(await endpoint(), room, hostToken);
        return info?.status === 'partial';
      },
      'the backend to finalize the recording as partial',
      60_000,
    );
    await stopped;
    expect(indicator(guest)).to.equal(null);
    expect(info!.durationMs).to.be.at.least(acknowledged.durationMs);
    const file = await probeRecording(info!.downloadUrl!);
    expect(Math.abs(file.durationS * 1000 - info!.durationMs)).to.be.below(200);
    expect(file.video?.width).to.equal(1280);
    expect(file.audio?.codec).to.equal('opus');
    expect(file.frameStdDev).to.be.above(5);
  });
});
