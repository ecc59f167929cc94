/**
 * One session's data channels (calls-api.md §6): the SCTP transport set up once with the
 * `server-events` channel, then channels published and subscribed as negotiated ids, on the session's queue.
 */
import type { DataChannelObject } from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import { CallsItemError, type CallsApi } from './calls-api.ts';
import type { NegotiationQueue } from './negotiation-queue.ts';
import { offerAndApply } from './sfu-exchange.ts';
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
  /** The `server-events` channel, once the transport is negotiated. */
  serverEvents: (channel: RTCDataChannel) => void;
}

export class SessionDataChannels {
  #establish: Promise<void> | undefined;

  constructor(private readonly host: SessionDataChannelsHost) {}

  /**
   * `datachannels/establish` once, with our offer (calls-api.md §4.7): the `server-events` channel is ours,
   * so the offer has its m=application, and the SFU answers in the same response. ICE starts as soon as that
   * answer is applied, a `/renegotiate` round trip sooner than with an SFU offer, and the SFU knows our ICE
   * credentials from the first request on. Later calls share the first (a failed one may be repeated).
   */
  establish(): Promise<void> {
    const { api, sessionId, pc, queue, health } = this.host;
    this.#establish ??= queue
      .run(async () => {
        health().assertUsable();
        const channel = pc.createDataChannel(SERVER_EVENTS_CHANNEL);
        await offerAndApply(
          pc,
          'datachannels/establish',
          (sessionDescription) =>
            health().watch(
              api.establishDataChannels(sessionId, {
                sessionDescription,
                dataChannel: { location: 'remote', dataChannelName: SERVER_EVENTS_CHANNEL },
              }),
            ),
          () => channel.close(),
        );
        this.host.serverEvents(channel);
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
