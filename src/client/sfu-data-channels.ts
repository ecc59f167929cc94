/**
 * One session's data channels (calls-api.md §6): the SCTP transport set up once with the SFU's
 * `server-events` channel, then channels published and subscribed as negotiated ids, on the session's queue.
 */
import type { DataChannelObject, SessionDescription } from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import { CallsItemError, type CallsApi } from './calls-api.ts';
import type { NegotiationQueue } from './negotiation-queue.ts';
import type { SessionHealth } from './sfu-session-health.ts';
import {
  defined,
  reliabilityOf,
  SfuSessionError,
  type DataChannelReliability,
  type SubscribeDataChannelOptions,
} from './sfu-session-types.ts';

export interface SessionDataChannelsHost {
  api: CallsApi;
  sessionId: string;
  pc: RTCPeerConnection;
  queue: NegotiationQueue;
  health: () => SessionHealth;
  /** Applies the SFU's offer and sends our answer (`/renegotiate`). */
  answer: (offer: SessionDescription) => Promise<void>;
}

export class SessionDataChannels {
  #establish: Promise<void> | undefined;

  constructor(private readonly host: SessionDataChannelsHost) {}

  /** `datachannels/establish` once; later calls share the first (a failed one may be repeated). */
  establish(): Promise<void> {
    const { api, sessionId, queue, health } = this.host;
    this.#establish ??= queue
      .run(async () => {
        health().assertUsable();
        const response = await health().watch(
          api.establishDataChannels(sessionId, {
            dataChannel: { location: 'remote', dataChannelName: SERVER_EVENTS_CHANNEL },
          }),
        );
        if (response.sessionDescription?.type === 'offer')
          await this.host.answer(response.sessionDescription);
        else throw new SfuSessionError('bad_response', 'datachannels/establish: no offer');
      })
      .then(() => health().waitForTransport())
      .catch((error: unknown) => {
        this.#establish = undefined;
        throw error;
      });
    return this.#establish;
  }

  publish(name: string, options: DataChannelReliability): Promise<RTCDataChannel> {
    return this.#open(name, { location: 'local' }, options);
  }

  subscribe(sessionId: string, name: string, options: SubscribeDataChannelOptions): Promise<RTCDataChannel> {
    const { waitForAck, canReply } = options;
    return this.#open(name, { location: 'remote', sessionId, ...defined({ waitForAck, canReply }) }, options);
  }

  async close(channel: RTCDataChannel): Promise<void> {
    const { api, sessionId, queue, health } = this.host;
    const id = channel.id;
    channel.close();
    if (id === null || health().ended) return;
    const response = await queue.run(() =>
      health().watch(api.closeDataChannels(sessionId, { dataChannels: [{ id }] })),
    );
    const item = response.dataChannels?.[0];
    if (item?.errorCode && item.errorCode !== 'close_track_error') {
      throw new CallsItemError(item.errorCode, item.errorDescription ?? '', `data channel ${id}`);
    }
  }

  async #open(
    label: string,
    object: DataChannelObject,
    options: DataChannelReliability,
  ): Promise<RTCDataChannel> {
    const { api, sessionId, pc, queue, health } = this.host;
    await this.establish();
    const reliability = reliabilityOf(options);
    return queue.run(async () => {
      health().assertUsable();
      const response = await health().watch(
        api.newDataChannels(sessionId, {
          dataChannels: [{ ...object, dataChannelName: label, ...reliability }],
        }),
      );
      const item = response.dataChannels?.find((d) => d.dataChannelName === label);
      if (item?.errorCode) throw new CallsItemError(item.errorCode, item.errorDescription ?? '', label);
      if (typeof item?.id !== 'number')
        throw new SfuSessionError('bad_response', `no id for data channel ${label}`);
      return pc.createDataChannel(label, { negotiated: true, id: item.id, ...reliability });
    });
  }
}
