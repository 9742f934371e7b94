/** Formats zod issues as "field: message; field: message" for API and config errors. */
import type { z } from 'zod';

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`).join('; ');
}
