/**
 * Turning zod issues into one actionable line. Every boundary that parses untrusted data (manifest
 * files, task JSON, chain logs) reports "Validation failed: <field> <what is allowed>" so a person
 * can fix the input without reading the schema.
 */
import type { z } from 'zod';

/** Formats a zod path as `outputs[0].encoding` (the root is `(root)`). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // Custom messages from the schemas already start with "must".
      if (issue.message.startsWith('must')) return issue.message;
      return issue.expected === 'int' ? 'must be an integer' : `must be of type ${String(issue.expected)}`;
    case 'invalid_value':
      if (issue.message.startsWith('must')) return issue.message;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_small':
      if (issue.message.startsWith('must')) return issue.message;
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'element(s)' : 'character(s)'}`
        : `must be >= ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.message.startsWith('must')) return issue.message;
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'element(s)' : 'character(s)'}`
        : `must be <= ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/**
 * One line per issue, `<path> <message>`, joined with "; " and prefixed "Validation failed: ".
 * @example formatZodError(err) // "Validation failed: outputs[0].encoding must be one of ..."
 */
export function formatZodError(error: z.ZodError): string {
  const parts = error.issues.map((issue) => `${formatIssuePath(issue.path)} ${describeIssue(issue)}`);
  return `Validation failed: ${parts.join('; ')}`;
}

/** The issues as small JSON-safe records, for an error's `details`. */
export function zodIssueDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: describeIssue(issue) }));
}
