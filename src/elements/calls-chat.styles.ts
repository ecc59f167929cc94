import { css } from 'lit';
import { tokens } from './shared.styles.ts';

export const chatStyles = [
  tokens,
  css`
    :host {
      display: block;
      min-height: 0;
    }
    .base {
      display: grid;
      grid-template-rows: 1fr auto;
      height: 100%;
      min-height: 200px;
      background: var(--calls-chat-background, var(--_surface));
      border-radius: var(--_radius);
    }
    .log {
      overflow-y: auto;
      margin: 0;
      padding: 8px 12px;
      list-style: none;
      display: grid;
      align-content: start;
      gap: 6px;
    }
    .from {
      font-weight: 600;
      margin-inline-end: 6px;
    }
    .text {
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    form {
      display: flex;
      gap: 6px;
      padding: 8px;
    }
    input {
      flex: 1;
      font: inherit;
      padding: 8px;
      border-radius: 8px;
      border: 1px solid var(--_muted-text);
      background: transparent;
      color: inherit;
    }
    button {
      border: 0;
      border-radius: 8px;
      padding: 0 14px;
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .empty {
      color: var(--_muted-text);
    }
  `,
];
