import { css } from 'lit';
import { tokens } from './shared.styles.ts';

export const tileStyles = [
  tokens,
  css`
    :host {
      display: block;
      position: relative;
      min-width: 0;
      aspect-ratio: var(--calls-tile-aspect-ratio, 16 / 9);
      border-radius: var(--_radius);
      overflow: hidden;
      background: var(--calls-tile-background, light-dark(#d9dce3, #0c0d11));
      outline: 0 solid transparent;
      transition: outline-color var(--_speed);
    }
    :host(:state(speaking)) {
      outline: 3px solid var(--calls-tile-speaking-color, var(--_accent));
      outline-offset: -3px;
    }
    .base {
      position: absolute;
      inset: 0;
    }
    video {
      width: 100%;
      height: 100%;
      object-fit: var(--calls-tile-object-fit, cover);
      display: block;
    }
    :host([source='screen']) video {
      object-fit: contain;
    }
    .mirror {
      transform: scaleX(-1);
    }
    .avatar {
      position: absolute;
      inset: 0;
      display: grid;
      place-items: center;
      font-size: clamp(1.5rem, 20cqi, 4rem);
      color: var(--_muted-text);
      container-type: inline-size;
    }
    .bar {
      position: absolute;
      inset: auto 0 0 0;
      display: flex;
      align-items: center;
      gap: 6px;
      padding: 6px 8px;
      background: linear-gradient(transparent, rgb(0 0 0 / 0.55));
      color: #fff;
      font-size: 0.875rem;
    }
    .name {
      flex: 1;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .quality {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: var(--calls-tile-quality-good, #22c55e);
    }
    .quality.fair {
      background: var(--calls-tile-quality-fair, #eab308);
    }
    .quality.poor {
      background: var(--calls-tile-quality-poor, #ef4444);
    }
    .pin {
      border: 0;
      border-radius: 6px;
      padding: 2px 6px;
      background: rgb(0 0 0 / 0.4);
      color: #fff;
    }
    .pin[aria-pressed='true'] {
      background: var(--_accent);
      color: var(--_on-accent);
    }
    svg {
      width: 1em;
      height: 1em;
      fill: currentColor;
    }
    .avatar img {
      width: 40%;
      aspect-ratio: 1;
      border-radius: 50%;
      object-fit: cover;
    }
    .metadata {
      opacity: 0.8;
      font-size: 0.75rem;
      overflow: hidden;
      white-space: nowrap;
      max-width: 40%;
    }
    .reaction {
      position: absolute;
      inset: auto auto 2.5rem 0.5rem;
      font-size: 2rem;
      animation: rise 2.5s ease-out forwards;
    }
    @keyframes rise {
      to {
        transform: translateY(-3rem);
        opacity: 0;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .reaction {
        animation: none;
      }
    }
  `,
];
