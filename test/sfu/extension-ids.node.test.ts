/** `ExtensionIdHistory`: an id once mapped stays with its URI for the life of the peer connection. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtensionIdHistory, extensionsFor } from '../../src/sfu/engine/codecs.ts';

const MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const ABS = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

void describe('ExtensionIdHistory', () => {
  void it('keeps the first mapping of a URI and never gives a used id to another URI', () => {
    const history = new ExtensionIdHistory();
    history.remember([{ uri: ABS, id: 4 }]);
    history.remember([
      { uri: MID, id: 4 },
      { uri: ABS, id: 7 },
    ]);
    assert.deepEqual([...history.used], [[ABS, 4]]);
  });

  void it('a mapping seen once still shapes new sections after its own section is gone', () => {
    const history = new ExtensionIdHistory();
    // A browser's offer mapped abs-send-time to 1 (the id our defaults give the mid); later descriptions no
    // longer carry that section.
    history.remember([{ uri: ABS, id: 1 }]);
    const video = extensionsFor('video', history.used);
    const ids = new Map(video.map((e) => [e.uri, e.id]));
    assert.equal(ids.get(ABS), 1);
    assert.notEqual(ids.get(MID), 1);
    assert.equal(new Set(ids.values()).size, ids.size, 'one id per URI');
  });
});
