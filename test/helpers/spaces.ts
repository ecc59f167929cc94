/** JSON's own whitespace, and the spaces an attacker hopes one side trims and the other does not. */
export const JSON_SPACE = [' ', '\t', '\r', '\n'];
export const OTHER_SPACE = [
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\u2029',
  '\u3000',
  '\u000b',
  '\u000c',
  '\u0085',
  '\u200b',
  '\u1680',
  '\u2000',
  '\u202f',
  '\u205f',
  '\u0000',
];
