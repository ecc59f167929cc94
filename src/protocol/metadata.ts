/**
 * Metadata a page attaches to a participant or a support-line ticket (`metadata` attribute: an order number,
 * the page URL, a customer id). Untrusted everywhere: the widget checks it before sending, the backend checks
 * it again, and every view renders it as text. Small and flat, so it fits in presence and in a desk's list.
 *
 * Hand-written rather than a schema library: the widget bundle carries it, and the rules are five lines.
 */

export type MetadataValue = string | number | boolean;
export type Metadata = Record<string, MetadataValue>;

export const METADATA_LIMITS = {
  /** Serialized as JSON, in UTF-8 bytes. */
  maxBytes: 1024,
  maxKeys: 16,
  maxKeyLength: 40,
  maxStringLength: 256,
} as const;

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

export type MetadataCheck = { ok: true; value: Metadata } | { ok: false; problem: string };

/** Checks a parsed value: a flat JSON object of strings, finite numbers and booleans, within the limits. */
export function checkMetadata(value: unknown): MetadataCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, problem: 'metadata must be a JSON object' };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METADATA_LIMITS.maxKeys)
    return { ok: false, problem: `metadata has at most ${METADATA_LIMITS.maxKeys} keys` };
  const out: Metadata = {};
  for (const [key, v] of entries) {
    if (key.length === 0 || key.length > METADATA_LIMITS.maxKeyLength || !KEY_PATTERN.test(key))
      return {
        ok: false,
        problem: `metadata keys are 1-${METADATA_LIMITS.maxKeyLength} letters, digits, _ . or -`,
      };
    if (typeof v === 'string') {
      if (v.length > METADATA_LIMITS.maxStringLength)
        return {
          ok: false,
          problem: `metadata strings are at most ${METADATA_LIMITS.maxStringLength} characters`,
        };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { ok: false, problem: 'metadata numbers must be finite' };
    } else if (typeof v !== 'boolean') {
      return { ok: false, problem: 'metadata values are strings, numbers or booleans' };
    }
    out[key] = v;
  }
  if (new TextEncoder().encode(JSON.stringify(out)).byteLength > METADATA_LIMITS.maxBytes)
    return { ok: false, problem: `metadata is at most ${METADATA_LIMITS.maxBytes} bytes as JSON` };
  return { ok: true, value: out };
}

/** Parses the `metadata` attribute's text (empty means none). */
export function parseMetadataAttribute(text: string | null | undefined): MetadataCheck {
  if (text === null || text === undefined || text.trim() === '') return { ok: true, value: {} };
  if (text.length > METADATA_LIMITS.maxBytes * 4)
    return { ok: false, problem: `metadata is at most ${METADATA_LIMITS.maxBytes} bytes as JSON` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'metadata is not valid JSON' };
  }
  return checkMetadata(parsed);
}
