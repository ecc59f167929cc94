import { css } from 'lit';
import { tokens } from './shared.styles.ts';

export const roomStyles = [
  tokens,
  css`
    :host {
      display: block;
      position: relative;
      min-height: var(--calls-room-min-height, 320px);
      container-type: inline-size;
    }
    :host([hidden]) {
      display: none;
    }
    .base {
      display: grid;
      grid-template-rows: auto 1fr auto;
      gap: var(--_gap);
      height: 100%;
      min-height: inherit;
      box-sizing: border-box;
      padding: var(--calls-room-padding, var(--_gap));
      background: var(--_bg);
      border-radius: var(--_radius);
    }
    .main {
      display: grid;
      grid-template-columns: 1fr;
      gap: var(--_gap);
      min-height: 0;
    }
    .main.with-chat {
      grid-template-columns: 1fr minmax(220px, 30%);
    }
    @container (max-width: 600px) {
      .main.with-chat {
        grid-template-columns: 1fr;
        grid-template-rows: 1fr minmax(200px, 40%);
      }
    }
    .grid {
      display: grid;
      gap: var(--_gap);
      grid-template-columns: repeat(auto-fit, minmax(var(--calls-tile-min-width, 200px), 1fr));
      align-content: center;
      min-height: 0;
      overflow: auto;
    }
    .spotlight {
      display: grid;
      gap: var(--_gap);
      grid-template-rows: 1fr auto;
      min-height: 0;
    }
    .spotlight .strip {
      display: flex;
      gap: var(--_gap);
      overflow-x: auto;
    }
    .spotlight .strip calls-tile {
      flex: 0 0 var(--calls-room-strip-tile-width, 160px);
    }
    .spotlight .focus {
      /* Fills the row when the room has a height; keeps a 16:9 picture when it has none. */
      aspect-ratio: 16 / 9;
      max-height: 100%;
      min-height: 0;
    }
    .status {
      margin: 0;
      color: var(--_muted-text);
      text-align: center;
    }
    .error {
      display: flex;
      align-items: center;
      gap: 8px;
      margin: 0;
      padding: 8px 12px;
      border-radius: 8px;
      background: var(--calls-room-error-background, light-dark(#fde2e2, #4a1f24));
      color: var(--_danger);
    }
    .error span {
      flex: 1;
    }
    .error button,
    .prejoin button {
      border: 0;
      border-radius: 8px;
      padding: 8px 14px;
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .prejoin {
      display: grid;
      gap: 12px;
      justify-items: center;
      align-content: center;
    }
    .prejoin video {
      width: min(100%, 420px);
      aspect-ratio: 16 / 9;
      border-radius: var(--_radius);
      background: #000;
      transform: scaleX(-1);
      object-fit: cover;
    }
    .prejoin label {
      display: grid;
      gap: 4px;
    }
    .prejoin input {
      font: inherit;
      padding: 8px;
    }
    .toggles {
      display: flex;
      gap: 12px;
    }
  `,
];
