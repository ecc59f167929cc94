import { expect } from '@open-wc/testing';
import { expectRemoteVideo, makeRoom, roomName, tiles, watchPageErrors } from './helpers.ts';

describe('<calls-room> N:N', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('four participants all decode each other', async () => {
    const watch = watchPageErrors();
    const room = roomName('four');
    const rooms = [];
    for (const name of ['Ada', 'Bob', 'Cy', 'Di']) rooms.push(await makeRoom(room, name));
    await Promise.all(rooms.map((r) => r.join()));
    for (const r of rooms) await expectRemoteVideo(r, 3);
    for (const r of rooms) {
      expect(tiles(r)).to.have.length(4);
      expect(r.state.participants.map((p) => p.name).sort()).to.deep.equal(['Ada', 'Bob', 'Cy', 'Di']);
    }
    for (const r of rooms) r.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
