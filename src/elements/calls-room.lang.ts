/**
 * The texts of `<calls-room>`: the table for its `lang` (the page's `<html lang>` by default) with the page's
 * `strings` over it. A language other than English is a chunk: English shows until it arrives, then the
 * element renders again; `loading` lets `updateComplete` mean "shown in `lang`".
 */
import type { ReactiveControllerHost } from 'lit';
import { loadStrings, resolveStrings, type CallsStrings, type CallsStringsOverride } from './strings.ts';

export interface LangHost extends ReactiveControllerHost {
  readonly lang: string;
  readonly strings: CallsStringsOverride | undefined;
}

export class RoomStrings {
  #loading: Promise<void> | undefined;

  constructor(private readonly host: LangHost) {}

  /** The language table being loaded, if any. */
  get loading(): Promise<void> | undefined {
    return this.#loading;
  }

  get(): CallsStrings {
    const lang = this.host.lang || document.documentElement.lang;
    const loading = loadStrings(lang);
    if (loading && !this.#loading) {
      this.#loading = loading.then(() => {
        this.#loading = undefined;
        this.host.requestUpdate();
      });
    }
    return resolveStrings(lang, this.host.strings);
  }
}
