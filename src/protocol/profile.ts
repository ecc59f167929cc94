/**
 * Checks of what a participant says about themselves (`avatar-url`, a new name), the same in the widget and
 * the backend. Both are untrusted: a name is only ever text, an avatar only ever an `<img src>`.
 */

export const PROFILE_LIMITS = {
  maxNameLength: 64,
  maxAvatarUrlLength: 2048,
} as const;

/** Why a display name is refused, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > PROFILE_LIMITS.maxNameLength)
    return `names are 1-${PROFILE_LIMITS.maxNameLength} characters`;
  return undefined;
}

/** Why an avatar URL is refused (only `https:` and `data:image/…` images), or undefined when it is fine. */
export function avatarUrlProblem(url: string): string | undefined {
  if (url.length > PROFILE_LIMITS.maxAvatarUrlLength)
    return `avatar URLs are at most ${PROFILE_LIMITS.maxAvatarUrlLength} characters`;
  if (/^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(url)) return undefined;
  try {
    if (new URL(url).protocol === 'https:') return undefined;
  } catch {
    // not a URL
  }
  return 'avatar URLs are https: or data:image/ URLs';
}
