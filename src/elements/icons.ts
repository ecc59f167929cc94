/**
 * Inline icons (Material Symbols paths, Apache 2.0, coordinates rounded to 0.1 of the 24-unit box: at most
 * 0.05 units off, under 0.05 px at the sizes shown), decorative: the buttons carry the labels.
 */
import { svg, type SVGTemplateResult } from 'lit';

const icon = (d: string): SVGTemplateResult =>
  svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${d}></path></svg>`;

export const micIcon = icon(
  'M12 14q-1.2 0-2.1-.9Q9 12.2 9 11V5q0-1.2.9-2.1Q10.8 2 12 2t2.1.9Q15 3.8 15 5v6q0 1.2-.9 2.1Q13.2 14 12 14Zm-1 7v-3.1q-2.6-.3-4.3-2.3Q5 13.6 5 11h2q0 2.1 1.5 3.5Q9.9 16 12 16t3.5-1.5Q17 13.1 17 11h2q0 2.6-1.7 4.6-1.7 2-4.3 2.3V21Z',
);
export const micOffIcon = icon(
  'm17.8 14.9-1.5-1.4q.4-.6.5-1.2.2-.6.2-1.3h2q0 1.1-.3 2.1-.3 1-.9 1.8ZM14.8 12 9 6.2V5q0-1.2.9-2.1Q10.8 2 12 2t2.1.9Q15 3.8 15 5v6q0 .2-.1.5t-.1.5ZM11 21v-3.1q-2.6-.3-4.3-2.3Q5 13.6 5 11h2q0 2.1 1.5 3.5Q9.9 16 12 16q.8 0 1.6-.3.8-.2 1.4-.7l1.5 1.4q-.8.6-1.6 1-.9.4-1.9.5V21Zm8.8 1.6L1.4 4.2l1.4-1.4 18.4 18.4Z',
);
export const camIcon = icon(
  'M4 20q-.8 0-1.4-.6Q2 18.8 2 18V6q0-.8.6-1.4Q3.2 4 4 4h12q.8 0 1.4.6Q18 5.2 18 6v4.5l4-4v11l-4-4V18q0 .8-.6 1.4Q16.8 20 16 20Z',
);
export const camOffIcon = icon(
  'M21 17.5 18 14.5V6q0-.8-.6-1.4Q16.8 4 16 4H7.5Zm-1.2 5.1L1.4 4.2l1.4-1.4 18.4 18.4ZM4 4.2 17.9 18q-.2.9-.8 1.4Q16.5 20 16 20H4q-.8 0-1.4-.6Q2 18.8 2 18V6q0-.8.6-1.4Q3.1 4 4 4.2Z',
);
export const screenIcon = icon(
  'M8 21v-2h2v-2H4q-.8 0-1.4-.6Q2 15.8 2 15V5q0-.8.6-1.4Q3.2 3 4 3h16q.8 0 1.4.6Q22 4.2 22 5v10q0 .8-.6 1.4Q20.8 17 20 17h-6v2h2v2Z',
);
export const chatIcon = icon(
  'M6 14h8v-2H6Zm0-3h12V9H6Zm0-3h12V6H6ZM2 22V4q0-.8.6-1.4Q3.2 2 4 2h16q.8 0 1.4.6Q22 3.2 22 4v12q0 .8-.6 1.4Q20.8 18 20 18H6Z',
);
export const leaveIcon = icon(
  'M12 9q2.9 0 5.8 1.2 2.9 1.2 5.1 3.6.3.3.3.6 0 .4-.3.7l-2.3 2.3q-.3.3-.6.3-.4 0-.7-.2l-2.9-2.2q-.2-.2-.3-.4-.1-.2-.1-.4v-2.9q-.9-.3-1.9-.4Q13.1 11 12 11t-2.1.2q-1 .1-1.9.4v2.9q0 .2-.1.4t-.3.4l-2.9 2.2q-.3.2-.7.2-.4 0-.6-.3L1.1 15.2q-.3-.4-.3-.7 0-.4.3-.7 2.2-2.4 5.1-3.6Q9.1 9 12 9Z',
);
export const pinIcon = icon('m16 12 2 2v2h-5v6l-1 1-1-1v-6H6v-2l2-2V5H7V3h10v2h-1Z');
