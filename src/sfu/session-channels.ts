/**
 * One session's data channels: the reserved server-events channel and its transport (establish), the
 * channels it publishes and those it subscribes to (new, update, close), and their state.
 */
import type {
  DataChannelResult,
  DataChannelsResponse,
  EstablishDataChannelsResponse,
  GetSessionStateResponse,
} from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import type { SfuLimits } from './config.ts';
import { DataPublication, DataSubscription, type DataSettings } from './data.ts';
import type { DataPipe, MediaPeer } from './engine/peer.ts';
import { CallsError, badParams, badSdp, checkBatch } from './errors.ts';
import type { Negotiation } from './negotiation.ts';
import type { Publications } from './publications.ts';
import type { DataChannelInput } from './schemas.ts';

interface ChannelRecord {
  id: number;
  location: 'local' | 'remote';
  name: string;
  sessionId?: string;
  pipe: DataPipe;
  publication?: DataPublication;
  subscription?: DataSubscription;
  active: boolean;
}

export class SessionChannels {
  private readonly records = new Map<number, ChannelRecord>();
  /** The reserved channel, opened by either side. */
  serverEvents: DataPipe | undefined;

  constructor(
    private readonly appId: string,
    private readonly sessionId: string,
    private readonly limits: SfuLimits,
    private readonly negotiation: Negotiation,
    private readonly publications: Publications,
  ) {}

  async establish(body: {
    sessionDescription?: { type: 'offer' | 'answer'; sdp: string } | undefined;
    dataChannel: DataChannelInput;
  }): Promise<EstablishDataChannelsResponse> {
    const negotiation = this.negotiation;
    negotiation.noPendingOffer();
    if (body.dataChannel.dataChannelName !== SERVER_EVENTS_CHANNEL) {
      throw badParams(`Only the reserved "${SERVER_EVENTS_CHANNEL}" channel can be established`);
    }
    if (negotiation.hasDataTransport) {
      throw new CallsError(
        400,
        'decoding_error',
        'The data channel transport of this session already exists',
      );
    }
    await negotiation.connected('sctp');
    if (body.sessionDescription) {
      if (body.sessionDescription.type !== 'offer') throw badSdp('datachannels/establish takes an offer');
      const { answer, sections } = await negotiation.applyOffer(body.sessionDescription.sdp);
      if (!sections.some((s) => s.kind === 'application' && !s.rejected)) {
        throw badSdp('The offer has no m=application section');
      }
      negotiation.dataTransport = true;
      return {
        requiresImmediateRenegotiation: false,
        sessionDescription: { type: 'answer', sdp: answer },
        dataChannel: { location: 'remote', dataChannelName: SERVER_EVENTS_CHANNEL },
      };
    }
    this.serverEvents = negotiation.ensurePeer().openServerEvents();
    const offer = await negotiation.offer();
    negotiation.dataTransport = true;
    return {
      requiresImmediateRenegotiation: true,
      sessionDescription: { type: 'offer', sdp: offer },
      dataChannel: {
        location: 'remote',
        dataChannelName: SERVER_EVENTS_CHANNEL,
        id: this.serverEvents.id ?? 0,
      },
    };
  }

  async open(body: { dataChannels: DataChannelInput[] }): Promise<DataChannelsResponse> {
    this.negotiation.noPendingOffer();
    const items = body.dataChannels;
    if (!items.length) throw badParams('dataChannels must not be empty');
    checkBatch(items.length, this.limits.maxTracksPerCall, 'data channels');
    if (new Set(items.map((d) => d.location)).size > 1)
      throw badParams('All data channels of one request must be local, or all remote');
    const peer = this.requireTransport();
    await this.negotiation.connected('sctp');
    const results: DataChannelResult[] = [];
    for (const item of items) {
      const name = item.dataChannelName;
      if (!name) {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'dataChannelName is required',
        });
        continue;
      }
      if (item.maxRetransmits !== undefined && item.maxPacketLifeTime !== undefined) {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'Set at most one of maxRetransmits and maxPacketLifeTime',
        });
        continue;
      }
      const settings = {
        ordered: item.ordered,
        maxRetransmits: item.maxRetransmits,
        maxPacketLifeTime: item.maxPacketLifeTime,
      };
      if (item.location === 'local') results.push(this.publish(peer, name, settings));
      else if (item.location === 'remote') results.push(this.subscribe(peer, item, name));
      else {
        results.push({
          ...item,
          errorCode: 'invalid_params',
          errorDescription: 'location must be local or remote',
        });
      }
    }
    return { dataChannels: results };
  }

  private publish(peer: MediaPeer, name: string, settings: DataSettings): DataChannelResult {
    const existing = this.publications.getData(this.appId, this.sessionId, name);
    if (existing) {
      return {
        location: 'local',
        dataChannelName: name,
        id: [...this.records.values()].find((c) => c.publication === existing)?.id,
        errorCode: 'repeated_local_track_error',
        errorDescription: `Data channel ${name} is already published on this session`,
      };
    }
    const id = this.nextId();
    const pipe = peer.openChannel({ id, label: name, ...settings });
    const publication = new DataPublication(this.sessionId, name, pipe, settings);
    this.publications.addData(this.appId, publication);
    this.records.set(id, { id, location: 'local', name, pipe, publication, active: true });
    return { location: 'local', dataChannelName: name, id, ...reliability(settings) };
  }

  private subscribe(peer: MediaPeer, item: DataChannelInput, name: string): DataChannelResult {
    const publication = item.sessionId
      ? this.publications.getData(this.appId, item.sessionId, name)
      : undefined;
    if (!publication) {
      return {
        ...item,
        errorCode: 'not_found_track_error',
        errorDescription: `Data channel ${name} of session ${item.sessionId ?? '?'} not found`,
      };
    }
    const id = this.nextId();
    const pipe = peer.openChannel({ id, label: name, ...publication.settings });
    const record: ChannelRecord = {
      id,
      location: 'remote',
      name,
      sessionId: publication.sessionId,
      pipe,
      active: true,
    };
    record.subscription = new DataSubscription(publication, pipe, {
      waitForAck: item.waitForAck === true,
      canReply: item.canReply === true,
      ackWaitMs: this.limits.dataAckWaitMs,
      onExpired: () => (record.active = false),
    });
    this.records.set(id, record);
    return {
      location: 'remote',
      sessionId: publication.sessionId,
      dataChannelName: name,
      id,
      ...reliability(publication.settings),
    };
  }

  update(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    this.requireTransport();
    const results: DataChannelResult[] = body.dataChannels.map((item) => {
      const record = [...this.records.values()].find(
        (c) =>
          c.location === 'remote' &&
          c.active &&
          (item.id !== undefined
            ? c.id === item.id
            : c.sessionId === item.sessionId && c.name === item.dataChannelName),
      );
      if (!record?.subscription) {
        return {
          ...item,
          errorCode: 'not_found_track_error' as const,
          errorDescription: 'No such data channel subscription on this session',
        };
      }
      if (item.canReply !== undefined) record.subscription.canReply = item.canReply;
      return {
        location: 'remote' as const,
        sessionId: record.sessionId,
        dataChannelName: record.name,
        id: record.id,
        canReply: record.subscription.canReply,
      };
    });
    return { dataChannels: results };
  }

  close(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    if (!body.dataChannels.length) throw badParams('dataChannels must not be empty');
    const results: DataChannelResult[] = body.dataChannels.map((item) => {
      const record = item.id !== undefined ? this.records.get(item.id) : undefined;
      if (!record?.active) {
        return {
          ...item,
          errorCode: 'close_track_error' as const,
          errorDescription: "Data channel doesn't exist or was already closed",
        };
      }
      record.active = false;
      if (record.publication) {
        record.publication.close();
        this.publications.removeData(record.publication);
      } else {
        record.subscription?.close();
      }
      return {
        location: record.location,
        ...(record.sessionId ? { sessionId: record.sessionId } : {}),
        dataChannelName: record.name,
        id: record.id,
      };
    });
    return { dataChannels: results };
  }

  closeAll(): void {
    for (const c of this.records.values()) {
      c.active = false;
      c.publication?.close();
      c.subscription?.close();
      if (c.publication) this.publications.removeData(c.publication);
    }
  }

  states(): GetSessionStateResponse['dataChannels'] {
    return [...this.records.values()].map((c) => ({
      location: c.location,
      ...(c.sessionId ? { sessionId: c.sessionId } : {}),
      dataChannelName: c.name,
      id: c.id,
      status: !c.active
        ? ('inactive' as const)
        : c.pipe.state === 'open'
          ? ('active' as const)
          : c.pipe.state === 'connecting'
            ? ('initializing' as const)
            : ('inactive' as const),
    }));
  }

  private nextId(): number {
    const used = new Set([...this.records.keys()]);
    if (this.serverEvents?.id !== undefined && this.serverEvents.id !== null) used.add(this.serverEvents.id);
    let id = 2;
    while (used.has(id)) id++;
    return id;
  }

  private requireTransport(): MediaPeer {
    const peer = this.negotiation.peer;
    if (!peer || !this.negotiation.hasDataTransport) {
      throw badParams('This session has no data channel transport: call datachannels/establish first');
    }
    return peer;
  }
}

function reliability(s: DataSettings) {
  return {
    ...(s.ordered !== undefined ? { ordered: s.ordered } : {}),
    ...(s.maxRetransmits !== undefined ? { maxRetransmits: s.maxRetransmits } : {}),
    ...(s.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: s.maxPacketLifeTime } : {}),
  };
}
