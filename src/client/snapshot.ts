/** `RoomState` from the Room's parts: a pure function, so an idle state needs no Room. */
import { tileKey } from '../protocol/keys.ts';
import {
  DEFAULT_PARTICIPANT_STATE,
  type Participant,
  type ParticipantRole,
  type ParticipantState,
  type TrackSource,
} from '../protocol/presence.ts';
import type { Activity } from './activity.ts';
import type { RoomControl } from './room-control.ts';
import type { ChatLog } from './chat.ts';
import type { Devices } from './devices.ts';
import type { Publisher } from './publisher.ts';
import type { Quality } from './quality.ts';
import type { Roster } from './roster.ts';
import type { Subscriptions } from './subscriptions.ts';
import type {
  ChatMessage,
  ConnectionState,
  DeviceInfo,
  ParticipantView,
  RoomError,
  RoomState,
  RoomStatus,
  TileView,
} from './room-types.ts';

/** Everything a snapshot is made of. */
export interface SnapshotParts {
  status: RoomStatus;
  connection: ConnectionState;
  room: string;
  selfId: string | undefined;
  self: Participant | undefined;
  /** The others visible to us, in join order. */
  others: readonly Participant[];
  role: ParticipantRole | undefined;
  chatOption: boolean;
  /** The local participant's media: what we publish, and what the user wants on. */
  local: LocalMediaView;
  /** A remote participant's received track for a source. */
  remoteTrack(participantId: string, source: TrackSource): MediaStreamTrack | undefined;
  speaking: ReadonlySet<string>;
  quality: ReadonlyMap<string, Quality>;
  activeSpeakerId: string | undefined;
  messages: readonly ChatMessage[];
  devices: readonly DeviceInfo[];
  selectedDevices: Readonly<Partial<Record<MediaDeviceKind, string>>>;
  error: RoomError | undefined;
  /** Lock, lobby, who waits, raised hands. */
  control: Pick<RoomState, 'locked' | 'lobby' | 'waiting' | 'hands'>;
}

export interface LocalMediaView {
  readonly microphoneOn: boolean;
  readonly cameraOn: boolean;
  /** Published sources (a camera turned off stays published, without a track). */
  has(source: TrackSource): boolean;
  track(source: TrackSource): MediaStreamTrack | undefined;
}

/** One participant as the page sees it. */
export function participantView(p: Participant, parts: SnapshotParts): ParticipantView {
  const isLocal = p.id === parts.selfId;
  const track = (source: TrackSource) =>
    isLocal ? parts.local.track(source) : parts.remoteTrack(p.id, source);
  const state: ParticipantState = isLocal
    ? { ...p.state, muted: !parts.local.microphoneOn, cameraOff: !parts.local.cameraOn }
    : { ...DEFAULT_PARTICIPANT_STATE, ...p.state };
  // The room's ordered list is the truth for hands, ours included.
  state.handRaised = parts.control.hands.includes(p.id);
  const speaking = parts.speaking.has(p.id);
  return Object.freeze({
    id: p.id,
    name: p.name,
    role: p.role,
    isLocal,
    state: Object.freeze({ ...state, speaking }),
    connected: p.connected,
    breakout: p.breakout,
    camera: track('camera'),
    microphone: track('microphone'),
    screen: track('screen'),
    speaking,
    avatarUrl: p.avatarUrl,
    metadata: p.metadata ? Object.freeze({ ...p.metadata }) : undefined,
    quality: parts.quality.get(p.id)?.quality ?? 'unknown',
    qualityReason: parts.quality.get(p.id)?.reason ?? null,
  });
}

export function roomSnapshot(parts: SnapshotParts): RoomState {
  const { self, local } = parts;
  const visible = self ? [self, ...parts.others] : [...parts.others];
  const participants = visible.map((p) => participantView(p, parts));
  const tile = (p: { id: string }, source: TileView['source']): TileView =>
    Object.freeze({ key: tileKey(p.id, source), participantId: p.id, source });
  const tiles = [
    ...participants.filter((p) => p.role !== 'viewer').map((p) => tile(p, 'camera')),
    ...visible
      .filter(
        (p) => p.tracks.some((t) => t.source === 'screen') || (p.id === parts.selfId && local.has('screen')),
      )
      .map((p) => tile(p, 'screen')),
  ];
  return Object.freeze({
    status: parts.status,
    connection: parts.connection,
    room: parts.room,
    selfId: parts.selfId,
    participants: Object.freeze(participants),
    tiles: Object.freeze(tiles),
    activeSpeakerId: parts.activeSpeakerId,
    messages: parts.messages,
    breakout: self?.breakout ?? null,
    role: parts.role,
    microphoneEnabled: local.microphoneOn && local.has('microphone'),
    cameraEnabled: local.cameraOn && !!local.track('camera'),
    screenSharing: local.has('screen'),
    canPublish: parts.role !== undefined && parts.role !== 'viewer',
    chatEnabled: parts.chatOption && parts.status === 'joined',
    devices: Object.freeze([...parts.devices]),
    selectedDevices: Object.freeze({ ...parts.selectedDevices }),
    error: parts.error,
    ...parts.control,
  });
}

const NO_LOCAL_MEDIA: LocalMediaView = {
  microphoneOn: true,
  cameraOn: true,
  has: () => false,
  track: () => undefined,
};

/** The snapshot of a room not joined yet (what an element shows before it has a room). */
export function idleState(room = ''): RoomState {
  return roomSnapshot({
    status: 'idle',
    connection: 'new',
    room,
    selfId: undefined,
    self: undefined,
    others: [],
    role: undefined,
    chatOption: true,
    local: NO_LOCAL_MEDIA,
    remoteTrack: () => undefined,
    speaking: new Set(),
    quality: new Map(),
    activeSpeakerId: undefined,
    messages: [],
    devices: [],
    selectedDevices: {},
    error: undefined,
    control: { locked: false, lobby: false, waiting: [], hands: [] },
  });
}

/** The parts of a live Room, as a snapshot reads them. */
export interface RoomParts {
  status: RoomStatus;
  connection: ConnectionState;
  room: string;
  role: ParticipantRole | undefined;
  chatOption: boolean;
  error: RoomError | undefined;
  roster: Roster;
  publisher: Publisher;
  /** The current session's, while it is live. */
  subscriptions: Subscriptions | undefined;
  activity: Activity;
  quality: ReadonlyMap<string, Quality>;
  chat: ChatLog;
  devices: Devices;
  control: RoomControl;
}

export function snapshotParts(r: RoomParts): SnapshotParts {
  const { publisher, subscriptions } = r;
  return {
    status: r.status,
    connection: r.connection,
    room: r.room,
    selfId: r.roster.selfId,
    self: r.roster.self(),
    others: r.roster.others(),
    role: r.role,
    chatOption: r.chatOption,
    local: {
      microphoneOn: publisher.microphoneOn,
      cameraOn: publisher.cameraOn,
      has: (source) => publisher.has(source),
      track: (source) => publisher.track(source),
    },
    remoteTrack: (id, source) => subscriptions?.track(id, source),
    speaking: r.activity.speaking,
    quality: r.quality,
    activeSpeakerId: r.activity.activeSpeaker,
    messages: r.chat.messages,
    devices: r.devices.list,
    selectedDevices: publisher.selectedDevices,
    error: r.error,
    control: r.control.view(),
  };
}
