/**
 * Validates Calls API responses against `calls-openapi.yaml` (Cloudflare's own OpenAPI file) with ajv, so the
 * SFU's node tests check every body against the spec rather than by hand.
 *
 * - A status the spec documents for the operation is checked against that response schema.
 * - Any other status must be a request-level error: the spec's one error schema (`AdapterRequestError`:
 *   `errorCode` and `errorDescription`, both required), with the code one of calls-api.md §3.
 * - Beyond the schema: every `errorCode` anywhere in a body (per-item errors too) is a §3 code, and no
 *   object carries a property the spec does not document (the spec leaves `additionalProperties` open;
 *   an emulator that invents fields invites clients to depend on what Cloudflare never sends).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CALLS_API_ERROR_CODES } from '../../src/protocol/calls.ts';

/** Error codes of calls-api.md §3 (request- and item-level). */
export const SPEC_ERROR_CODES = CALLS_API_ERROR_CODES;

type Schema = Record<string, unknown>;

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, Schema> };
}
interface ResponseObject {
  content?: Record<string, { schema?: Schema }>;
}

/** A verbatim copy of cloudflare/cloudflare-docs `public/realtime/static/realtime-api-2024-05-21.yaml` at
 * commit 47a2db921963ce0287a93900895d4db7495a986b (see calls-api.md §0), kept beside this file. */
const specPath = fileURLToPath(new URL('./calls-openapi.yaml', import.meta.url));
const spec = parse(readFileSync(specPath, 'utf8')) as Spec;
// OpenAPI 3.0 adds keywords JSON Schema lacks (`example`, `nullable`); strict mode would refuse them.
const ajv = new Ajv({ strict: false, allErrors: true });
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
addFormats(ajv);
ajv.addSchema({ $id: 'calls', components: spec.components });

/** `#/components/...` refs, re-rooted on the `calls` document registered above. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const out: Schema = {};
    for (const [k, v] of Object.entries(schema)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `calls${v}` : rebase(v);
    }
    return out;
  }
  return schema;
}

const errorSchema: Schema = {
  allOf: [
    { $ref: 'calls#/components/schemas/AdapterRequestError' },
    {
      properties: {
        errorCode: { enum: [...SPEC_ERROR_CODES] },
        errorDescription: { type: 'string', minLength: 1 },
      },
    },
  ],
};
const validateError = ajv.compile(errorSchema);

const compiled = new Map<string, { validate: ValidateFunction; schema: Schema } | null>();

/** The documented JSON schema of one response, or null when the spec documents none for this status. */
function responseSchema(
  method: string,
  template: string,
  status: number,
): { validate: ValidateFunction; schema: Schema } | null {
  const key = `${method} ${template} ${status}`;
  if (compiled.has(key)) return compiled.get(key)!;
  const operation = spec.paths[template]?.[method.toLowerCase()];
  const response = operation?.responses?.[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  const entry = schema
    ? { validate: ajv.compile(rebase(schema) as Schema), schema: rebase(schema) as Schema }
    : null;
  compiled.set(key, entry);
  return entry;
}

/** Every operation of the spec's `paths`, as `METHOD /apps/{appId}/…`. */
export function specOperations(): string[] {
  return Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace(/^calls#\/components\/schemas\//, '');
  const target = spec.components.schemas[name];
  if (!target) throw new Error(`openapi: unresolved $ref ${ref}`);
  return rebase(target) as Schema;
}

/** The documented properties of an object schema (through `$ref` and `allOf`), with their schemas. */
function documented(schema: Schema): { properties: Map<string, Schema>; items: Schema[] } {
  const properties = new Map<string, Schema>();
  const items: Schema[] = [];
  const visit = (s: Schema) => {
    const r = resolve(s);
    for (const [k, v] of Object.entries((r.properties as Record<string, Schema> | undefined) ?? {})) {
      const prev = properties.get(k);
      properties.set(k, prev ? { allOf: [prev, v] } : v);
    }
    if (r.items) items.push(r.items as Schema);
    for (const sub of (r.allOf as Schema[] | undefined) ?? []) visit(sub);
  };
  visit(schema);
  return { properties, items };
}

/** Paths (like `tracks.0.foo`) of properties the schema does not document. */
function undocumented(value: unknown, schema: Schema, at: string): string[] {
  if (Array.isArray(value)) {
    const { items } = documented(schema);
    if (!items.length) return [];
    const itemSchema: Schema = { allOf: items };
    return value.flatMap((v, i) => undocumented(v, itemSchema, `${at}${i}.`));
  }
  if (!value || typeof value !== 'object') return [];
  const { properties } = documented(schema);
  if (!properties.size) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const sub = properties.get(k);
    return sub ? undocumented(v, sub, `${at}${k}.`) : [`${at}${k}`];
  });
}

/** Every `errorCode` value in the body, wherever it sits. */
function errorCodes(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(errorCodes);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    k === 'errorCode' ? [v] : errorCodes(v),
  );
}

export class SpecViolation extends Error {
  constructor(what: string, body: unknown, details: string) {
    super(`${what} does not conform to calls-openapi.yaml: ${details}\nbody: ${JSON.stringify(body)}`);
    this.name = 'SpecViolation';
  }
}

/**
 * Checks one response body. `template` is the spec's path (`/apps/{appId}/sessions/{sessionId}/tracks/new`);
 * a leading `/v1` is accepted. Throws a `SpecViolation` describing every problem.
 */
export function validateResponse(method: string, template: string, status: number, body: unknown): void {
  const path = template.replace(/^\/v1(?=\/)/, '');
  const what = `${method.toUpperCase()} ${path} → ${status}`;
  const documentedResponse = responseSchema(method, path, status);
  if (documentedResponse) {
    if (!documentedResponse.validate(body)) {
      throw new SpecViolation(what, body, ajv.errorsText(documentedResponse.validate.errors));
    }
    const extra = undocumented(body, documentedResponse.schema, '');
    if (extra.length) throw new SpecViolation(what, body, `undocumented properties: ${extra.join(', ')}`);
  } else {
    if (status < 400) throw new SpecViolation(what, body, `status ${status} is not documented for it`);
    if (!validateError(body)) throw new SpecViolation(what, body, ajv.errorsText(validateError.errors));
    const extra = Object.keys(body as object).filter((k) => k !== 'errorCode' && k !== 'errorDescription');
    if (extra.length) throw new SpecViolation(what, body, `undocumented properties: ${extra.join(', ')}`);
  }
  const unknownCodes = errorCodes(body).filter((c) => !(SPEC_ERROR_CODES as readonly unknown[]).includes(c));
  if (unknownCodes.length) {
    throw new SpecViolation(what, body, `error codes not in calls-api.md §3: ${unknownCodes.join(', ')}`);
  }
}
