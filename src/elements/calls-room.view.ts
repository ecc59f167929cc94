/**
 * What `<calls-room>` shows, by status: the live region and status line always; the device preview before
 * joining (`prejoin`), the support line's waiting view (`queue`), the lobby's waiting view; once joined the
 * recording indicator, the hosts' notices, the stage with the chat and the controls; Join again after a
 * leave or a failure.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { RoomState } from '../client/room-types.ts';
import type { RoomActions, RoomUi } from './context.ts';
import { renderHostNotices, renderWaiting } from './calls-room.lobby.ts';
import type { PrejoinPreview } from './calls-room.prejoin.ts';
import type { LazyQueueWaiting } from './calls-room.queue-loader.ts';
import type { RoomRecorder } from './calls-room.recording.ts';
import { CHAT_PARTS, CONTROLS_PARTS, type StageTiles } from './calls-room.stage.ts';
import { renderStatus, type StatusView } from './calls-room.status.ts';
import type { CallsStrings } from './strings.ts';

export interface RoomView {
  state: RoomState;
  ui: RoomUi;
  strings: CallsStrings;
  announcement: string;
  status: Pick<StatusView, 'dismissed' | 'notice' | 'dismiss'>;
  /** The device preview shows (`prejoin`, before a Room exists). */
  showPrejoin: boolean;
  /** Join again (after a leave or a failure, with a `room`). */
  canRejoin: boolean;
  preview: PrejoinPreview;
  waitingPreview: PrejoinPreview;
  line: LazyQueueWaiting;
  recorder: RoomRecorder;
  stage: StageTiles;
  actions: RoomActions;
  joinFromUi: () => void;
  leave: () => void;
}

export function renderRoom(v: RoomView): TemplateResult {
  const { state, strings } = v;
  const joined = state.status === 'joined';
  return html`<div part="base" class="base">
    <div part="live-region" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      ${v.announcement}
    </div>
    ${renderStatus({ state, strings, ...v.status })} ${joined ? v.recorder.render(strings) : nothing}
    ${v.showPrejoin ? v.preview.render(strings, v.joinFromUi) : nothing}
    ${v.line.showing && !joined ? v.line.render(strings) : nothing}
    ${state.status === 'waiting' ? renderWaiting(strings, v.waitingPreview.streaming, v.leave) : nothing}
    ${joined ? renderHostNotices(state, strings, v.actions) : nothing} ${joined ? renderMain(v) : nothing}
    ${
      v.canRejoin
        ? html`<div class="prejoin">
            <button part="join-button" @click=${v.joinFromUi}>${strings.join}</button>
          </div>`
        : nothing
    }
    ${
      joined
        ? html`<slot name="controls"><calls-controls exportparts=${CONTROLS_PARTS}></calls-controls></slot>`
        : nothing
    }
  </div>`;
}

function renderMain(v: RoomView): TemplateResult {
  const chatOpen = v.ui.chat && v.ui.chatOpen;
  return html`<div class="main ${chatOpen ? 'with-chat' : ''}">
    ${v.stage.render(v.state, v.ui)}
    ${chatOpen ? html`<calls-chat exportparts=${CHAT_PARTS}></calls-chat>` : nothing}
  </div>`;
}
