/**
 * Reading and parsing a Calls API request body the one strict way, shared by the backend's proxy and the
 * embedded SFU so that both read every body identically: bounded in bytes and in time while it arrives,
 * bounded in nesting before it is parsed, UTF-8 without a byte-order mark, and JSON exactly as `JSON.parse`
 * reads it. Only JSON's own whitespace (space, tab, CR, LF) may surround the value; nothing is trimmed.
 */
import type { CallsErrorCode } from './calls.ts';

export const BODY_LIMITS = {
  /** Deepest nesting of arrays and objects a body may have (the Calls API's bodies need 4). */
  maxDepth: 16,
  /** How long a request body may take to arrive, ms. */
  timeoutMs: 10_000,
} as const;

/**
 * Node's own HTTP server bounds (`http.createServer` options) behind the bound above: headers must arrive
 * within 10 s and a whole request within 30 s, checked every 2 s, so a client that trickles headers (where no
 * route runs yet) is cut off too. Longer than `timeoutMs`, so a slow body gets the Calls-shaped 408 first.
 */
export const NODE_SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 2_000,
} as const;

/** Why a body is refused, with the HTTP status and Calls error to answer. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 408 | 413,
    readonly errorCode: CallsErrorCode,
    description: string,
    /** The client went away mid-upload: nobody reads the answer, log one line. */
    readonly aborted = false,
  ) {
    super(description);
  }
}

const tooLarge = (maxBytes: number) =>
  new BodyError(413, 'payload_too_large', `request bodies are limited to ${maxBytes} bytes`);

/**
 * The whole body, refused with 413 as soon as it passes `maxBytes` and with 408 when it has not fully arrived
 * within `timeoutMs` (a body that trickles). A client that aborts the upload gets a `BodyError` with `aborted`.
 */
export async function readBody(
  body: ReadableStream<Uint8Array> | null,
  options: { maxBytes: number; timeoutMs: number },
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BodyError(
            408,
            'request_timeout',
            `the request body did not arrive within ${options.timeoutMs / 1000} s`,
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await Promise.race([reader.read(), deadline]);
      } catch (e) {
        if (e instanceof BodyError) throw e;
        throw new BodyError(400, 'decoding_error', 'the request body was cut off', true);
      }
      if (step.done) break;
      size += step.value.byteLength;
      if (size > options.maxBytes) throw tooLarge(options.maxBytes);
      chunks.push(step.value);
    }
  } catch (e) {
    void reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** True when `text` nests arrays/objects deeper than `maxDepth` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

const JSON_WHITESPACE_ONLY = /^[ \t\r\n]*$/;

/**
 * The body as JSON: `undefined` when it is empty (or only JSON whitespace), else what `JSON.parse` reads. The
 * bytes must be UTF-8 with no byte-order mark, nest at most `maxDepth` deep, and be one JSON text.
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number = BODY_LIMITS.maxDepth): unknown {
  let text: string;
  try {
    // `ignoreBOM` keeps a leading U+FEFF in the text, where JSON.parse refuses it: no invisible prefix passes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new BodyError(400, 'decoding_error', 'Failed to decode body as JSON: it is not UTF-8');
  }
  if (JSON_WHITESPACE_ONLY.test(text)) return undefined;
  if (nestsDeeperThan(text, maxDepth)) {
    throw new BodyError(400, 'invalid_params', `JSON bodies may nest at most ${maxDepth} levels deep`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'decoding_error', 'Failed to decode body as JSON');
  }
}
