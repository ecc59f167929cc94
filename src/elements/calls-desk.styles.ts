import { css } from 'lit';
import { tokens } from './shared.styles.ts';

export const deskStyles = [
  tokens,
  css`
    :host {
      display: block;
    }
    :host([hidden]) {
      display: none;
    }
    .base {
      display: grid;
      gap: var(--_gap);
      padding: var(--calls-desk-padding, var(--_gap));
      background: var(--_bg);
      border-radius: var(--_radius);
    }
    header {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_gap);
      align-items: center;
      justify-content: space-between;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: var(--_gap);
    }
    li {
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 4px var(--_gap);
      align-items: center;
      padding: var(--_gap);
      background: var(--_surface);
      border-radius: var(--_radius);
    }
    .name {
      font-weight: 600;
    }
    .wait,
    dl {
      color: var(--_muted-text);
      font-size: 0.9em;
    }
    dl {
      grid-column: 1 / -1;
      display: flex;
      flex-wrap: wrap;
      gap: 2px 12px;
      margin: 0;
    }
    dt::after {
      content: ':';
    }
    dd {
      margin: 0 0 0 4px;
    }
    .notice {
      margin: 0;
      padding: var(--_gap);
      border-radius: var(--_radius);
      background: var(--calls-desk-notice-background, var(--_surface));
      border-left: 4px solid var(--_accent);
    }
    .answer,
    .end {
      padding: 6px 14px;
      border-radius: 999px;
      border: 0;
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .end {
      background: var(--_danger);
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_gap);
      align-items: center;
    }
    calls-room {
      --calls-room-min-height: var(--calls-desk-call-min-height, 360px);
    }
  `,
];
