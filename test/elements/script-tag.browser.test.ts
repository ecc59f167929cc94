/**
 * The script tag site owners paste: a plain HTML page (script-tag-site.html, on the test runner's origin)
 * loads the built single file `calls-room.js` from the backend (another origin) as a module script, and two
 * such pages join one room and decode each other's video. Nothing here imports the widget's source: the
 * `import type`s below are erased, and the test asserts that this page never defined the elements.
 */
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { testEnv } from '../helpers/env.ts';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsTile } from '../../src/elements/calls-tile.ts';
import { openSite, until, type Site } from './script-tag-helpers.ts';

/** Resolves once the video element has presented a decoded frame. */
function presentedFrame(video: HTMLVideoElement, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no video frame presented')), timeoutMs);
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function framesDecoded(room: CallsRoom): Promise<number> {
  let frames = 0;
  (await room.getStats())?.forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
  });
  return frames;
}

/** The room shows `from`'s camera, decoded, and keeps decoding. */
async function expectVideoFrom(room: CallsRoom, from: string): Promise<void> {
  const video = await until(() => {
    const tiles = [...(room.shadowRoot?.querySelectorAll<CallsTile>('calls-tile') ?? [])];
    const tile = tiles.find(
      (t) => t.source === 'camera' && t.participant?.name === from && t.participant.camera,
    );
    return tile?.video;
  }, `${from}'s video tile`);
  await presentedFrame(video);
  const before = await framesDecoded(room);
  await until(async () => (await framesDecoded(room)) > before + 2, `frames from ${from} decoded`);
}

describe('the script tag: calls-room.js from the backend on a plain page of another origin', function () {
  // Two peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  const sites: Site[] = [];
  afterEach(() => {
    for (const site of sites.splice(0)) {
      site.room.leave();
      site.frame.remove();
    }
  });

  it('two site pages load the bundle, join one room and decode each other’s video', async () => {
    const { backendUrl } = await testEnv();
    const backendOrigin = new URL(backendUrl).origin;
    expect(backendOrigin).not.to.equal(location.origin);
    // Both pages side by side and in view: tiles out of view stop receiving video, by design.
    await setViewport({ width: 1280, height: 700 });
    const room = `script-tag-${crypto.randomUUID().slice(0, 8)}`;
    const ada = await openSite(backendUrl, room, 'Ada');
    sites.push(ada);
    const bob = await openSite(backendUrl, room, 'Bob');
    sites.push(bob);

    for (const site of [ada, bob]) {
      // The element came from the backend's file, in the site page's own registry.
      const loaded = site.win.performance.getEntriesByName(`${backendOrigin}/calls-room.js`);
      expect(loaded, 'calls-room.js fetched from the backend').to.have.length(1);
      expect(site.room).to.be.instanceOf(site.win.customElements.get('calls-room')!);
    }
    expect(customElements.get('calls-room'), 'the test page itself never loads the widget').to.equal(
      undefined,
    );

    await expectVideoFrom(ada.room, 'Bob');
    await expectVideoFrom(bob.room, 'Ada');
    expect(ada.room.state.status).to.equal('joined');
    expect(bob.room.state.status).to.equal('joined');
    for (const site of [ada, bob]) {
      // Lazy chunks load from the backend relative to calls-room.js and import it by the same URL, so they
      // share its one module instance (no second fetch): the stats sampler's quality reaches the tiles.
      for (const chunk of ['calls-room-engine.js', 'calls-room-stats.js', 'calls-room-analytics.js']) {
        await until(
          () => site.win.performance.getEntriesByName(`${backendOrigin}/${chunk}`).length === 1,
          `${chunk} loaded from the backend`,
        );
      }
      await until(
        () => site.room.state.participants.every((p) => p.quality !== 'unknown'),
        'every participant has a link quality',
      );
      const main = site.win.performance.getEntriesByName(`${backendOrigin}/calls-room.js`);
      expect(main, 'calls-room.js fetched once').to.have.length(1);
    }
    expect([...ada.win.siteErrors, ...bob.win.siteErrors]).to.deep.equal([]);
  });
});
