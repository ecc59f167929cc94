// Writes the README's API reference (between `<!-- api:start -->` and `<!-- api:end -->`) from the custom
// elements manifest: one block of tables per element.
//
//   node scripts/readme-api.mjs           reads dist/custom-elements.json (`npm run docs` makes it first)
//   node scripts/readme-api.mjs --check   analyzes src/elements afresh (nothing written) and exits 1 when
//                                         README.md's section differs or something public is undocumented
//   --readme <file>, --manifest <file>    other files (tests)
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const START = '<!-- api:start -->';
const END = '<!-- api:end -->';
/** The elements in the order a reader meets them; any other element follows. */
const ORDER = ['calls-room', 'calls-tile', 'calls-controls', 'calls-chat'];

const cell = (text) =>
  String(text ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
const code = (text) => (text ? `\`${cell(text)}\`` : '');

function table(head, rows) {
  if (rows.length === 0) return [];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
}

function signature(method) {
  const params = (method.parameters ?? []).map(
    (p) =>
      `${p.rest ? '...' : ''}${p.name}${p.optional ? '?' : ''}${p.type ? `: ${p.type.text}` : ''}` +
      (p.default ? ` = ${p.default}` : ''),
  );
  return `${method.name}(${params.join(', ')}): ${method.return?.type?.text ?? 'void'}`;
}

/** The custom elements of a manifest, in ORDER. */
export function elementsOf(manifest) {
  const elements = manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement));
  const rank = (d) => (ORDER.includes(d.tagName) ? ORDER.indexOf(d.tagName) : ORDER.length);
  return elements.sort((a, b) => rank(a) - rank(b) || a.tagName.localeCompare(b.tagName));
}

/** Markdown for one element. */
function renderElement(d) {
  const fields = (d.members ?? []).filter((m) => m.kind === 'field' && !m.static);
  const attributeFields = new Set((d.attributes ?? []).map((a) => a.fieldName));
  const lines = [`#### \`<${d.tagName}>\``, ''];
  const description = [d.summary && `**${cell(d.summary)}**`, cell(d.description)].filter(Boolean).join(' ');
  if (description) lines.push(description, '');
  lines.push(
    ...table(
      ['Attribute', 'Property', 'Type', 'Default', 'Description'],
      (d.attributes ?? []).map((a) => [
        code(a.name),
        code(a.fieldName),
        code(a.type?.text),
        code(a.default),
        cell(a.description),
      ]),
    ),
    ...table(
      ['Property', 'Type', 'Description'],
      fields
        .filter((f) => !attributeFields.has(f.name))
        .map((f) => [
          code(f.name),
          code(f.type?.text),
          cell(`${f.readonly ? 'Read-only. ' : ''}${f.description ?? ''}`),
        ]),
    ),
    ...table(
      ['Method', 'Description'],
      (d.members ?? [])
        .filter((m) => m.kind === 'method' && !m.static)
        .map((m) => [code(signature(m)), cell(m.description)]),
    ),
    ...table(
      ['Event', 'Detail', 'Description'],
      (d.events ?? []).map((e) => [code(e.name), code(e.detail?.type?.text), cell(e.description)]),
    ),
    ...table(
      ['Slot', 'Description'],
      (d.slots ?? []).map((s) => [s.name ? code(s.name) : '(default)', cell(s.description)]),
    ),
    ...table(
      ['Part', 'Description'],
      (d.cssParts ?? []).map((p) => [code(p.name), cell(p.description)]),
    ),
    ...((d.cssProperties ?? []).some((p) => p.default)
      ? table(
          ['Custom property', 'Default', 'Description'],
          d.cssProperties.map((p) => [code(p.name), code(p.default), cell(p.description)]),
        )
      : table(
          ['Custom property', 'Description'],
          (d.cssProperties ?? []).map((p) => [code(p.name), cell(p.description)]),
        )),
    ...table(
      ['Custom state', 'Description'],
      (d.cssStates ?? []).map((s) => [code(`:state(${s.name})`), cell(s.description)]),
    ),
  );
  return lines;
}

/** The text between the markers (markers excluded). */
export function renderApi(manifest) {
  return [
    '',
    '<!-- Generated from dist/custom-elements.json by `npm run docs` (scripts/readme-api.mjs): edit the',
    '     JSDoc in src/elements/*.ts, not this section. `npm test` fails while it is out of date. -->',
    '',
    ...elementsOf(manifest).flatMap(renderElement),
  ].join('\n');
}

/** `readme` with its API section replaced by `api`. */
export function replaceSection(readme, api) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no ${START} … ${END} section`);
  return `${readme.slice(0, start + START.length)}${api}${readme.slice(end)}`;
}

/** Public API items without a description, as `tag: kind name`. */
export function undocumented(manifest) {
  const missing = [];
  for (const d of elementsOf(manifest)) {
    const check = (kind, items, name = (i) => i.name) => {
      for (const i of items ?? [])
        if (!i.description?.trim()) missing.push(`<${d.tagName}>: ${kind} ${name(i)}`);
    };
    if (!d.description?.trim()) missing.push(`<${d.tagName}>: no class description`);
    check('attribute', d.attributes);
    check('member', d.members);
    check('event', d.events);
    check('slot', d.slots, (s) => s.name || '(default)');
    check('part', d.cssParts);
    check('custom property', d.cssProperties);
    check('custom state', d.cssStates);
  }
  return missing;
}

/** A fresh manifest of src/elements (the project's cem config), nothing written. */
export async function analyze() {
  const { cli } = await import('@custom-elements-manifest/analyzer/cli.js');
  return cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true });
}

async function main() {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      readme: { type: 'string', default: resolve(root, 'README.md') },
      manifest: { type: 'string' },
    },
  });
  const manifest = values.manifest
    ? JSON.parse(readFileSync(values.manifest, 'utf8'))
    : values.check
      ? await analyze()
      : JSON.parse(readFileSync(resolve(root, 'dist/custom-elements.json'), 'utf8'));
  const readme = readFileSync(values.readme, 'utf8');
  const next = replaceSection(readme, renderApi(manifest));
  const missing = undocumented(manifest);
  for (const m of missing) console.error(`undocumented: ${m}`);
  if (values.check) {
    if (next !== readme) {
      console.error(`${values.readme}: the API section is out of date; run \`npm run docs\``);
      process.exitCode = 1;
    }
    if (missing.length > 0) process.exitCode = 1;
    return;
  }
  if (next !== readme) writeFileSync(values.readme, next);
  console.log(`${values.readme}: API section ${next === readme ? 'unchanged' : 'updated'}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
