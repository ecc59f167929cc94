import { css } from 'lit';

/** The recording indicator and the hosts' Record control (`calls-room.recording.ts`). */
export const recordingStyles = css`
  /* Over the stage's top corner, out of the room's grid rows, as meeting apps show it. */
  .recording-bar {
    position: absolute;
    z-index: 1;
    top: var(--calls-room-padding, 8px);
    inset-inline-end: var(--calls-room-padding, 8px);
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .recording {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 2px 8px;
    border-radius: var(--calls-radius, 8px);
    background: var(--calls-recording-background, rgba(0, 0, 0, 0.6));
    color: var(--calls-recording-color, #fff);
    font-weight: 600;
    font-size: 0.875em;
  }
  .recording-dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--calls-color-danger, #d93025);
    animation: calls-recording-pulse 1.6s ease-in-out infinite;
  }
  @keyframes calls-recording-pulse {
    50% {
      opacity: 0.35;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .recording-dot {
      animation: none;
    }
  }
  [part='record-button'] {
    font: inherit;
    padding: 4px 12px;
    border-radius: var(--calls-radius, 8px);
    border: 1px solid transparent;
    background: var(--calls-recording-background, rgba(0, 0, 0, 0.6));
    color: var(--calls-recording-color, #fff);
    cursor: pointer;
  }
  [part='record-button'][aria-pressed='true'] {
    background: var(--calls-color-danger, #d93025);
    border-color: transparent;
    color: #fff;
  }
  [part='record-button']:focus-visible {
    outline: var(--calls-focus-ring, 2px solid var(--calls-color-accent));
    outline-offset: 2px;
  }
`;
