/** What a refused body did wrong, for the error's description: its first few zod issues, bounded in length. */
import type { z } from 'zod';

export function schemaProblem(error: z.ZodError, most = 3): string {
  return error.issues
    .slice(0, most)
    .map((i) => `${i.path.join('.').slice(0, 100) || 'body'}: ${i.message.slice(0, 200)}`)
    .join('; ');
}
