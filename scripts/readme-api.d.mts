/** A custom elements manifest (schema 1.0.0), as far as the README generator reads it. */
export interface Manifest {
  schemaVersion: string;
  modules: { path: string; declarations?: { name: string; customElement?: boolean; tagName?: string }[] }[];
}

/** The custom elements of a manifest, calls-room first. */
export function elementsOf(manifest: Manifest): { name: string; tagName: string }[];
/** The README's API section (between the markers, markers excluded). */
export function renderApi(manifest: Manifest): string;
/** `readme` with its API section replaced by `api`; throws without the markers. */
export function replaceSection(readme: string, api: string): string;
/** Public API items without a description, as `<tag>: kind name`. */
export function undocumented(manifest: Manifest): string[];
/** A fresh manifest of src/elements with the project's cem config; nothing is written. */
export function analyze(): Promise<Manifest>;
