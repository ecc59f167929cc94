/** Helpers for the support line's browser tests: agent tokens, desks and queued customers in the fixture. */
import { fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { CallsDesk } from '../../src/elements/calls-desk.ts';
import '../../src/elements/calls-desk.ts';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { QueueChangeDetail } from '../../src/elements/queue-events.ts';
import { testEnv } from '../helpers/env.ts';
import { endpoint, waitFor } from './helpers.ts';

/** An agent token from the open endpoint (it needs the dev host key, as host tokens do). */
export async function agentToken(queue: string, name: string): Promise<string> {
  const response = await fetch(`${await endpoint()}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${(await testEnv()).devHostKey}` },
    body: JSON.stringify({ room: queue, name, agent: true }),
  });
  if (!response.ok) throw new Error(`agent token: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export async function makeDesk(queue: string, name: string): Promise<CallsDesk> {
  await setViewport({ width: 1280, height: 3000 });
  const desk = await fixture<CallsDesk>(
    html`<calls-desk
      style="width: 420px; --calls-desk-call-min-height: 0"
      endpoint=${await endpoint()}
      queue=${queue}
      token=${await agentToken(queue, name)}
    ></calls-desk>`,
  );
  await waitFor(() => desk.state?.line, `${name}'s desk shows the line`);
  return desk;
}

export interface Customer {
  el: CallsRoom;
  changes: QueueChangeDetail[];
  errors: string[];
}

export async function makeCustomer(queue: string, name: string, metadata = ''): Promise<Customer> {
  const el = await fixture<CallsRoom>(
    html`<calls-room
      style="width: 420px; --calls-room-min-height: 0; --calls-tile-min-width: 120px"
      endpoint=${await endpoint()}
      queue=${queue}
      name=${name}
      metadata=${metadata}
    ></calls-room>`,
  );
  const changes: QueueChangeDetail[] = [];
  const errors: string[] = [];
  el.addEventListener('calls-queue-change', (e) => changes.push(e.detail));
  el.addEventListener('calls-error', (e) => {
    errors.push(e.detail.code);
    console.warn(`[${name}] calls-error ${e.detail.code}: ${e.detail.cause}`);
  });
  return { el, changes, errors };
}

export const lastChange = (c: Customer) => c.changes.at(-1);
export const waitingNames = (desk: CallsDesk) => desk.state?.line?.waiting.map((w) => w.name) ?? [];
export const ticketOf = (desk: CallsDesk, name: string) =>
  desk.state?.line?.waiting.find((w) => w.name === name)?.ticketId;
export const deskRoom = (desk: CallsDesk) => desk.shadowRoot?.querySelector('calls-room') ?? undefined;

/** Inbound audio packets of a room keep arriving (it hears the other side). */
export async function expectRemoteAudio(room: CallsRoom): Promise<void> {
  const packets = async () => {
    let n = 0;
    (await room.getStats())?.forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived ?? 0;
    });
    return n;
  };
  const before = await waitFor(async () => (await packets()) || undefined, 'audio packets arrive');
  await waitFor(async () => (await packets()) > before + 5, 'more audio packets');
}
