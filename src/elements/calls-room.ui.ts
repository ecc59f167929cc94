/**
 * `<calls-room>`'s UI state (`RoomUi`, provided to its children): its start, the parts that come from
 * `no-chat` and `layout`, and those from `controls`, `no-reactions`, reactions and PiP.
 */
import { CONTROL_NAMES, type ControlName, type RoomUi } from './context.ts';

type Extras = Pick<RoomUi, 'reactions' | 'recentReactions' | 'pip'> & { controls: string };

/** `ui` with the extras applied: the same object when nothing changed (the context compares by identity). */
export function withExtras(ui: RoomUi, extras: Extras): RoomUi {
  const listed = extras.controls
    .split(/\s+/)
    .filter((c): c is ControlName => (CONTROL_NAMES as readonly string[]).includes(c));
  const controls = new Set(extras.controls.trim() ? listed : CONTROL_NAMES);
  const same =
    [...controls].join() === [...ui.controls].join() &&
    ui.reactions === extras.reactions &&
    ui.recentReactions === extras.recentReactions &&
    ui.pip === extras.pip;
  return same ? ui : { ...ui, ...extras, controls };
}

export function initialUi(): RoomUi {
  return {
    pinned: undefined,
    chatOpen: false,
    chat: true,
    layout: 'grid',
    sinkId: undefined,
    controls: new Set(CONTROL_NAMES),
    reactions: true,
    recentReactions: new Map(),
    pip: false,
  };
}

/** `ui` after `no-chat` or `layout` changed. */
export function withLayout(ui: RoomUi, el: { noChat: boolean; layout: string }): RoomUi {
  return { ...ui, chat: !el.noChat, layout: el.layout === 'spotlight' ? 'spotlight' : 'grid' };
}
