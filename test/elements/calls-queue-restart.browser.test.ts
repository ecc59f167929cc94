import { expect } from '@open-wc/testing';
import { restartBackend } from '../helpers/env.ts';
import { expectRemoteVideo, roomName, waitFor, watchPageErrors } from './helpers.ts';
import { deskRoom, lastChange, makeCustomer, makeDesk, ticketOf, waitingNames } from './queue-helpers.ts';

describe('support line: backend restart', function () {
  this.timeout(180_000);

  it('a restart with one customer waiting and one call in progress loses neither', async () => {
    const watch = watchPageErrors();
    const queue = roomName('line-restart');
    const desk = await makeDesk(queue, 'Agnes');
    const cleo = await makeCustomer(queue, 'Cleo');
    await waitFor(() => ticketOf(desk, 'Cleo'), 'Cleo on the desk');
    const dan = await makeCustomer(queue, 'Dan');
    await waitFor(() => waitingNames(desk).join() === 'Cleo,Dan', 'both waiting');
    expect(await desk.answer(ticketOf(desk, 'Cleo')!)).to.equal('answered');
    const agentRoom = await waitFor(() => deskRoom(desk), 'the call in the desk');
    await waitFor(() => cleo.el.state.status === 'joined' && agentRoom.state.status === 'joined', 'both in');
    await expectRemoteVideo(cleo.el, 1);
    await expectRemoteVideo(agentRoom, 1);
    await waitFor(() => lastChange(dan)?.position === 1, 'Dan first in line');
    const callId = desk.state!.call!.callId;
    const changes = dan.changes.length;

    await restartBackend();

    // The desk signs in again and still has its call; Dan is still first in line; the call's media goes on.
    await waitFor(
      () =>
        desk.state?.status === 'open' &&
        desk.state.call?.callId === callId &&
        // The restarted line itself knows the call: the agent is busy in it.
        desk.state.line?.agents.some((a) => a.name === 'Agnes' && a.busy && a.connected),
      'the desk back with its call, and the line knowing it',
      60_000,
    );
    await waitFor(() => waitingNames(desk).join() === 'Dan', 'Dan still waiting after the restart', 60_000);
    expect(lastChange(dan)?.state).to.equal('waiting');
    expect(dan.changes.slice(changes).every((c) => c.state === 'waiting')).to.equal(true);
    expect(deskRoom(desk)).to.equal(agentRoom, 'the call stayed open in the desk');
    await waitFor(
      () => cleo.el.state.connection === 'connected' && agentRoom.state.connection === 'connected',
      'the call reconnected',
      60_000,
    );
    await expectRemoteVideo(cleo.el, 1);
    await expectRemoteVideo(agentRoom, 1);
    expect(lastChange(cleo)?.state).to.equal('answered');

    // The line works on: the call ends, Dan is answered.
    desk.endCall();
    await waitFor(() => lastChange(cleo)?.state === 'ended', 'Cleo hears the end');
    await waitFor(() => !deskRoom(desk), 'the desk back at the list');
    expect(await desk.answer(ticketOf(desk, 'Dan')!)).to.equal('answered');
    await waitFor(() => dan.el.state.status === 'joined', 'Dan in his call');
    await expectRemoteVideo(dan.el, 1);
    expect(cleo.errors).to.deep.equal([]);
    expect(dan.errors).to.deep.equal([]);
    desk.endCall();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
