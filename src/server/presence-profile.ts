/** A participant's profile beyond the token (name, avatar, metadata): applied at join and by `profile`. */
import type { Participant, ParticipantProfile, ParticipantProfileMessage } from '../protocol/presence.ts';

/** The join's profile as participant fields: the name (when given) and the rest. */
export function joinProfile(profile: ParticipantProfile | undefined): {
  name?: string;
  extra: Pick<Participant, 'avatarUrl' | 'metadata'>;
} {
  const extra: Pick<Participant, 'avatarUrl' | 'metadata'> = {};
  if (profile?.avatarUrl) extra.avatarUrl = profile.avatarUrl;
  if (profile?.metadata && Object.keys(profile.metadata).length > 0) extra.metadata = { ...profile.metadata };
  return { ...(profile?.name ? { name: profile.name.trim() } : {}), extra };
}

/** Applies a `profile` message; the news for everyone when anything changed. An empty avatar or metadata clears it. */
export function profileChanged(p: Participant, profile: ParticipantProfile): ParticipantProfileMessage[] {
  const before = JSON.stringify([p.name, p.avatarUrl, p.metadata]);
  if (profile.name !== undefined) p.name = profile.name.trim();
  if (profile.avatarUrl !== undefined) {
    if (profile.avatarUrl) p.avatarUrl = profile.avatarUrl;
    else delete p.avatarUrl;
  }
  if (profile.metadata !== undefined) {
    if (Object.keys(profile.metadata).length > 0) p.metadata = { ...profile.metadata };
    else delete p.metadata;
  }
  if (JSON.stringify([p.name, p.avatarUrl, p.metadata]) === before) return [];
  return [
    {
      type: 'participant-profile',
      participantId: p.id,
      name: p.name,
      ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}),
      ...(p.metadata ? { metadata: { ...p.metadata } } : {}),
    },
  ];
}
