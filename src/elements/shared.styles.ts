/** Tokens shared by every element: global `--calls-*` properties with light and dark defaults. */
import { css } from 'lit';

export const tokens = css`
  :host {
    color-scheme: light dark;
    --_accent: var(--calls-color-accent, light-dark(#1d4ed8, #7aa2ff));
    --_on-accent: var(--calls-color-on-accent, light-dark(#fff, #0b1020));
    --_bg: var(--calls-color-background, light-dark(#f5f6f8, #101217));
    --_surface: var(--calls-color-surface, light-dark(#ffffff, #1b1e26));
    --_text: var(--calls-color-text, light-dark(#14161b, #eef0f4));
    --_muted-text: var(--calls-color-text-muted, light-dark(#4b5060, #aeb3c0));
    --_danger: var(--calls-color-danger, light-dark(#b91c1c, #ff8a8a));
    --_radius: var(--calls-radius, 12px);
    --_gap: var(--calls-gap, 8px);
    --_focus: var(--calls-focus-ring, 3px solid var(--_accent));
    --_speed: var(--calls-transition-duration, 150ms);
    font-family: var(--calls-font-family, system-ui, sans-serif);
    color: var(--_text);
  }
  @media (prefers-reduced-motion: reduce) {
    :host {
      --_speed: 0ms;
    }
  }
  :focus-visible {
    outline: var(--_focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  button {
    font: inherit;
    cursor: pointer;
  }
`;
