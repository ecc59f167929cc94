import { css } from 'lit';
import { tokens } from './shared.styles.ts';

export const controlsStyles = [
  tokens,
  css`
    :host {
      display: block;
    }
    .base {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: center;
      gap: var(--_gap);
      padding: var(--_gap);
    }
    button {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      min-height: 44px;
      min-width: 44px;
      padding: 0 14px;
      border: 1px solid transparent;
      border-radius: var(--calls-controls-button-radius, 999px);
      background: var(--calls-controls-button-background, light-dark(#e4e7ee, #2a2e39));
      color: var(--_text);
      transition: background-color var(--_speed);
    }
    button[aria-pressed='false'].device {
      background: var(--calls-controls-button-off-background, light-dark(#fde2e2, #4a1f24));
      color: var(--_danger);
    }
    button[aria-pressed='true'].toggle {
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .leave {
      background: var(--calls-controls-leave-background, var(--_danger));
      color: var(--calls-controls-leave-color, #fff);
    }
    svg {
      width: 20px;
      height: 20px;
      fill: currentColor;
    }
    details {
      position: relative;
    }
    summary {
      min-height: 44px;
      display: inline-flex;
      align-items: center;
      padding: 0 14px;
      border-radius: 999px;
      cursor: pointer;
      background: var(--calls-controls-button-background, light-dark(#e4e7ee, #2a2e39));
    }
    .devices {
      position: absolute;
      bottom: calc(100% + 6px);
      right: 0;
      z-index: 2;
      display: grid;
      gap: 8px;
      padding: 12px;
      min-width: 240px;
      border-radius: var(--_radius);
      background: var(--_surface);
      box-shadow: 0 4px 18px rgb(0 0 0 / 0.25);
    }
    label {
      display: grid;
      gap: 4px;
      font-size: 0.875rem;
    }
    select {
      font: inherit;
      padding: 4px;
    }
    @media (max-width: 480px) {
      .text {
        display: none;
      }
    }
  `,
];
