// `npm run manifest` (cem analyze): dist/custom-elements.json from the JSDoc in src/elements, trimmed to the
// public API. The README's API section is generated from it (scripts/readme-api.mjs, `npm run docs`).

/** Lit reactive state (`{state: true}`), `_underscore` and `#private` names are not API. */
const isInternalName = (name) => name.startsWith('_') || name.startsWith('#');

/**
 * Keeps exactly the public API:
 * - element members: no `private`/`protected`/`#private`, no `_underscore` names, no Lit `{state: true}`
 *   properties (those also leave the attributes);
 * - element events: only named ones;
 * - declarations: only the custom elements and what src/elements/index.ts (the package entry) exports.
 */
function publicApiOnly() {
  const stateProperties = new Map(); // class name → names declared with `state: true`
  return {
    name: 'calls-public-api-only',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      for (const member of node.members) {
        if (!ts.isPropertyDeclaration(member) || member.name.getText() !== 'properties') continue;
        const init = member.initializer;
        if (!init || !ts.isObjectLiteralExpression(init)) continue;
        const names = new Set();
        for (const prop of init.properties) {
          if (!ts.isPropertyAssignment(prop) || !ts.isObjectLiteralExpression(prop.initializer)) continue;
          const isState = prop.initializer.properties.some(
            (p) =>
              ts.isPropertyAssignment(p) &&
              p.name.getText() === 'state' &&
              p.initializer.getText() === 'true',
          );
          if (isState) names.add(prop.name.getText());
        }
        stateProperties.set(node.name.getText(), names);
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      const modules = customElementsManifest.modules;
      const entry = modules.find((m) => m.path === 'src/elements/index.ts');
      const exported = new Set();
      const exportedModules = new Set();
      for (const e of entry?.exports ?? []) {
        const file = `src/elements/${e.declaration.module.replace(/^(\.\/|src\/elements\/)/, '')}`;
        if (e.name === '*') exportedModules.add(file);
        else exported.add(`${file}#${e.declaration.name}`);
      }
      for (const mod of modules) {
        mod.declarations = (mod.declarations ?? []).filter(
          (d) => d.customElement || exportedModules.has(mod.path) || exported.has(`${mod.path}#${d.name}`),
        );
        const kept = new Set(mod.declarations.map((d) => d.name));
        mod.exports = (mod.exports ?? []).filter(
          (e) => mod === entry || e.kind === 'custom-element-definition' || kept.has(e.declaration.name),
        );
        for (const d of mod.declarations) {
          if (!d.customElement) continue;
          const state = stateProperties.get(d.name) ?? new Set();
          const hidden = (m) =>
            m.privacy === 'private' ||
            m.privacy === 'protected' ||
            isInternalName(m.name) ||
            state.has(m.name);
          const removed = new Set((d.members ?? []).filter(hidden).map((m) => m.name));
          d.members = (d.members ?? []).filter((m) => !hidden(m));
          d.attributes = (d.attributes ?? []).filter(
            (a) => !isInternalName(a.name) && !removed.has(a.fieldName) && !state.has(a.fieldName),
          );
          d.events = (d.events ?? []).filter((e) => e.name);
        }
      }
      customElementsManifest.modules = modules.filter(
        (m) => m.declarations.length > 0 || m.exports.length > 0,
      );
    },
  };
}

/**
 * Names the analyzer's unnamed events (one per `dispatchEvent(new CallsXEvent(…))`) by their class's
 * `eventName` and drops the duplicates of `@fires` entries. Adds `detail: {type: {text}}` to every element event whose class in src/elements/events.ts extends
 * `CallsEvent<Detail>` (not part of the manifest schema, which has no field for it): the detail's type with
 * interfaces of that file written out, for the README's tables.
 */
function eventDetails() {
  const details = new Map(); // event class → detail type text
  const names = new Map(); // event class → its `static eventName`
  const interfaces = new Map(); // interface name → `{ a: T; b: U }`
  const flat = (text) => text.replace(/\s+/g, ' ').replace(/;\s*}/g, ' }').trim();
  return {
    name: 'calls-event-details',
    analyzePhase({ ts, node }) {
      if (!node.getSourceFile().fileName.endsWith('src/elements/events.ts')) return;
      if (ts.isInterfaceDeclaration(node)) {
        const members = node.members.map(
          (m) => `${m.name.getText()}${m.questionToken ? '?' : ''}: ${flat(m.type.getText())}`,
        );
        interfaces.set(node.name.getText(), `{ ${members.join('; ')} }`);
      }
      if (ts.isClassDeclaration(node) && node.name) {
        const base = node.heritageClauses?.[0]?.types[0];
        if (base?.expression.getText() === 'CallsEvent' && base.typeArguments?.[0]) {
          details.set(node.name.getText(), flat(base.typeArguments[0].getText()));
        }
        for (const m of node.members) {
          if (ts.isPropertyDeclaration(m) && m.name.getText() === 'eventName' && m.initializer) {
            names.set(node.name.getText(), m.initializer.getText().slice(1, -1));
          }
        }
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      const expand = (text) =>
        text.replace(/\b[A-Z]\w*\b/g, (name) => interfaces.get(name) ?? name).replace(/ } & { /g, '; ');
      for (const mod of customElementsManifest.modules) {
        for (const d of mod.declarations ?? []) {
          if (!d.events) continue;
          // An event dispatched without a `@fires` tag is still listed (named by its class, undescribed).
          for (const e of d.events) e.name ??= names.get(e.type?.text);
          const byName = new Map(); // `@fires` entries (described, in their order) first
          for (const e of [...d.events.filter((e) => e.description), ...d.events]) {
            if (e.name && !byName.has(e.name)) byName.set(e.name, e);
          }
          d.events = [...byName.values()];
          for (const e of d.events) {
            const detail = details.get(e.type?.text);
            if (detail) e.detail = { type: { text: expand(detail) } };
          }
        }
      }
    },
  };
}

export default {
  globs: ['src/elements/*.ts'],
  exclude: ['src/elements/*.styles.ts'],
  outdir: 'dist',
  litelement: true,
  packagejson: false,
  plugins: [eventDetails(), publicApiOnly()],
};
