/** The stage of `<calls-room>`: the built-in tiles, laid out as a grid or a spotlight, and the parts it exports. */
import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { RoomState, TileView } from '../client/room.ts';
import { tileKey } from '../protocol/keys.ts';
import type { RoomUi } from './context.ts';

/** `exportparts` for a child: its `base` as `prefix`, every other part as `prefix-part`. */
const exportParts = (prefix: string, parts: string) =>
  ['base:' + prefix, ...parts.split(' ').map((part) => `${part}:${prefix}-${part}`)].join();

const TILE_PARTS = exportParts(
  'tile',
  'video avatar bar name muted-icon pin-button quality mute-button remove-button hand reaction metadata',
);
export const CONTROLS_PARTS =
  'base:controls,mic-button,camera-button,screen-button,chat-button,leave-button,devices,device-select,' +
  'hand-button,reactions,reaction-button,pip-button,host-menu';
export const CHAT_PARTS = exportParts('chat', 'log message form input send-button');

/**
 * One element per tile key for as long as the tile exists, rendered as a node: a reorder, a new focus or a
 * layout change moves it (its video keeps playing) instead of pointing another element at its participant.
 */
export class StageTiles {
  readonly #elements = new Map<string, HTMLElement>();
  /** The page put its own tiles in the `tiles` slot: the built-in ones are not rendered at all. */
  #custom = false;

  /** `host`: re-rendered when the page puts tiles in the slot or takes them out. */
  constructor(private readonly host: ReactiveControllerHost) {}

  /** The `tiles` slot, with the built-in stage as its fallback content. */
  render(state: Pick<RoomState, 'tiles' | 'activeSpeakerId'>, ui: RoomUi): TemplateResult {
    const stage = this.#stage(state, ui);
    return html`<slot name="tiles" @slotchange=${this.#onSlotChange}
      >${this.#custom ? nothing : stage}</slot
    >`;
  }

  // Built-in tiles stay out of the DOM while the page's own are slotted: two tiles for one video would
  // report different sizes and visibilities for it.
  readonly #onSlotChange = (event: Event): void => {
    const custom = (event.target as HTMLSlotElement).assignedElements().length > 0;
    if (custom === this.#custom) return;
    this.#custom = custom;
    this.host.requestUpdate();
  };

  /** A grid, or the focused tile large with a strip of the others. */
  #stage(state: Pick<RoomState, 'tiles' | 'activeSpeakerId'>, ui: RoomUi): TemplateResult {
    const { tiles, activeSpeakerId } = state;
    for (const key of this.#elements.keys()) {
      if (!tiles.some((t) => t.key === key)) this.#elements.delete(key);
    }
    if (ui.layout !== 'spotlight' && !ui.pinned) {
      return html`<div part="stage" class="grid">${tiles.map((t) => this.#element(t))}</div>`;
    }
    const focusKey =
      ui.pinned ??
      tiles.find((t) => t.source === 'screen')?.key ??
      (activeSpeakerId ? tileKey(activeSpeakerId, 'camera') : tiles[0]?.key);
    const focus = tiles.find((t) => t.key === focusKey) ?? tiles[0];
    const rest = tiles.filter((t) => t !== focus);
    return html`<div part="stage" class="spotlight">
      ${focus ? this.#element(focus, 'focus') : nothing}
      <div class="strip">${rest.map((t) => this.#element(t))}</div>
    </div>`;
  }

  #element(tile: TileView, cls = ''): HTMLElement {
    let element = this.#elements.get(tile.key);
    if (!element) {
      element = document.createElement('calls-tile');
      element.setAttribute('exportparts', TILE_PARTS);
      element.setAttribute('participant-id', tile.participantId);
      element.setAttribute('source', tile.source);
      this.#elements.set(tile.key, element);
    }
    element.className = cls;
    return element;
  }
}
