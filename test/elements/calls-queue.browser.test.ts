import { expect } from '@open-wc/testing';
import { expectRemoteVideo, roomName, waitFor, watchPageErrors } from './helpers.ts';
import {
  deskRoom,
  expectRemoteAudio,
  lastChange,
  makeCustomer,
  makeDesk,
  ticketOf,
  waitingNames,
} from './queue-helpers.ts';

describe('support line: <calls-room queue> and <calls-desk>', function () {
  // Four peers on two cores: generous, the waits inside are on conditions.
  this.timeout(180_000);

  it('two customers, two agents: order, one answer wins, positions move, cancel, transfer keeps video', async () => {
    const watch = watchPageErrors();
    const queue = roomName('line');
    const desks = [await makeDesk(queue, 'Agnes'), await makeDesk(queue, 'Bert')];
    const cleo = await makeCustomer(queue, 'Cleo', '{"order":"A-17"}');
    await waitFor(() => lastChange(cleo)?.position === 1, 'Cleo waits first');
    const dan = await makeCustomer(queue, 'Dan');
    await waitFor(() => lastChange(dan)?.position === 2, 'Dan waits second');
    for (const desk of desks) {
      await waitFor(() => waitingNames(desk).join() === 'Cleo,Dan', 'both customers on both desks, in order');
    }
    expect(desks[0]!.state?.line?.waiting[0]?.metadata).to.deep.equal({ order: 'A-17' });
    expect(desks[0]!.shadowRoot!.querySelectorAll('[part="answer-button"]')).to.have.length(2);

    // Both agents answer Cleo at once: exactly one gets her.
    const ticket = ticketOf(desks[0]!, 'Cleo')!;
    const results = await Promise.all(desks.map((d) => d.answer(ticket)));
    expect([...results].sort()).to.deep.equal(['answered', 'taken']);
    const winner = desks[results.indexOf('answered')]!;
    const other = desks[results.indexOf('taken')]!;
    await other.updateComplete;
    expect(other.shadowRoot!.querySelector('[part="notice"]')?.textContent).to.contain('Another agent');

    // They see and hear each other; Dan moves up; Cleo is off the other desk.
    await waitFor(() => cleo.el.state.status === 'joined', 'Cleo in the call');
    const agentRoom = await waitFor(() => deskRoom(winner), 'the call opens in the desk');
    await waitFor(() => agentRoom.state.status === 'joined', 'the agent in the call');
    expect(cleo.el.state.room).to.equal(agentRoom.state.room);
    await expectRemoteVideo(cleo.el, 1);
    await expectRemoteVideo(agentRoom, 1);
    await expectRemoteAudio(cleo.el);
    await expectRemoteAudio(agentRoom);
    expect(cleo.changes.map((c) => c.state)).to.include('answered');
    await waitFor(() => lastChange(dan)?.position === 1, "Dan's position becomes 1");
    await waitFor(() => waitingNames(other).join() === 'Dan', 'Cleo is gone from the other desk');

    // Dan cancels: gone from the desks at once.
    const cancel = dan.el.shadowRoot!.querySelector<HTMLButtonElement>('[part="queue-cancel-button"]')!;
    cancel.click();
    await waitFor(() => lastChange(dan)?.state === 'abandoned', 'Dan abandoned');
    await waitFor(() => waitingNames(other).length === 0, 'Dan gone from the desk');

    // A customer whose page goes away (the element removed, as when the tab closes) leaves at once too.
    const eve = await makeCustomer(queue, 'Eve');
    await waitFor(() => waitingNames(other).join() === 'Eve', 'Eve waiting');
    eve.el.remove();
    await waitFor(() => waitingNames(other).length === 0, 'Eve gone from the desk');

    // Transfer: the other agent takes over; Cleo stays connected and video keeps flowing.
    const session = cleo.el.model!.sfuSession;
    winner.transfer(other.state!.line!.agents.find((a) => !a.busy && a.available)!.id);
    const newRoom = await waitFor(() => deskRoom(other), 'the call opens on the other desk');
    await waitFor(() => !deskRoom(winner), 'the first desk is back at the list');
    await waitFor(() => newRoom.state.status === 'joined', 'the second agent in the call');
    await expectRemoteVideo(cleo.el, 1);
    await expectRemoteVideo(newRoom, 1);
    expect(cleo.el.model!.sfuSession, 'Cleo kept her session').to.equal(session);
    expect(cleo.el.state.status).to.equal('joined');

    // The agent ends the call: the customer's call ends too.
    other.endCall();
    await waitFor(() => lastChange(cleo)?.state === 'ended', 'Cleo hears the call ended');
    await waitFor(() => cleo.el.state.status === 'left', "Cleo's room left");
    expect(cleo.errors).to.deep.equal([]);
    expect(dan.errors).to.deep.equal([]);
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });

  it('with no agent signed in: unavailable, with a stable calls-error code', async () => {
    const queue = roomName('empty');
    const cleo = await makeCustomer(queue, 'Cleo');
    await waitFor(() => lastChange(cleo)?.state === 'unavailable', 'unavailable');
    expect(lastChange(cleo)?.code).to.equal('queue-closed');
    expect(cleo.errors).to.deep.equal(['queue-closed']);
    expect(cleo.el.shadowRoot!.querySelector('[part="error"]')?.textContent).to.contain('No agent');
  });
});
