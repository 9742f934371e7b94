/**
 * Reads the commands out of the root README's `bash` code blocks and decides, by the rules below,
 * how the README test treats each one. The rules are the only way a README command is not run, and
 * each skip carries its reason into the test's name, so nothing is left out silently.
 *
 * Rules, in order (the first that matches decides):
 *  1. `setup`: a command that starts with `npm install` runs first, in the fresh clone.
 *  2. `export`: an `export AIORACLE_…` line is a template (`<port>`): the devnet's own printed export
 *     lines take its place, and they must set the same variables.
 *  3. `devnet`: `npm start … --duration <s>` starts (and later stops) its own devnet; it runs in the
 *     background and the commands of a block with `export` lines run against it.
 *  4. `skip`: `npm start` without `--duration` (runs until Ctrl-C); `npm run bench…` (a benchmark:
 *     minutes of load, not a usage check); a `<placeholder>` (a task or feed id only a running devnet's
 *     traffic gives); `--config <file>` naming a file the clone does not have (a config the user
 *     writes for a network).
 *  5. `run`: everything else runs and must exit 0.
 */

/** One README command and what the test does with it. */
export interface ReadmeCommand {
  /** The command as written (continuation lines joined, the trailing `# comment` removed). */
  command: string;
  section: string;
  /** Index of its code block in the README (commands of one block share its `export` lines). */
  block: number;
  kind: 'setup' | 'export' | 'devnet' | 'run' | 'skip';
  /** Why it is skipped (kind `skip` only). */
  reason?: string;
}

/** Strips a trailing shell comment (` # …` outside quotes). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The rule (module header) that decides one command. */
export function classify(command: string, fileExists: (path: string) => boolean): Pick<ReadmeCommand, 'kind' | 'reason'> {
  if (/^npm (install|i)\b/.test(command)) return { kind: 'setup' };
  if (/^export AIORACLE_/.test(command)) return { kind: 'export' };
  if (/^npm start\b/.test(command)) {
    return /\s--duration\s+\d/.test(command) ? { kind: 'devnet' } : { kind: 'skip', reason: 'runs until Ctrl-C' };
  }
  if (/^npm run bench/.test(command)) return { kind: 'skip', reason: 'a benchmark: minutes of load, not a usage check' };
  if (/<[\w-]+>/.test(command)) return { kind: 'skip', reason: "needs an id only a running devnet's traffic gives" };
  for (const m of command.matchAll(/--config\s+(\S+)/g)) {
    if (!fileExists(m[1]!)) return { kind: 'skip', reason: `needs ${m[1]}, a config the user writes for a network` };
  }
  return { kind: 'run' };
}

/**
 * The commands of the named `## ` sections' `bash` blocks, in README order.
 * @example readmeCommands(readme, ['A tour', 'Running the parts'], existsSync)
 */
export function readmeCommands(readme: string, sections: string[], fileExists: (path: string) => boolean): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let section = '';
  let inBlock = false;
  let block = -1;
  let pending = '';
  for (const raw of readme.split('\n')) {
    if (!inBlock && raw.startsWith('## ')) section = raw.slice(3).trim();
    if (/^```/.test(raw)) {
      inBlock = !inBlock && /^```(bash|sh|shell)\s*$/.test(raw);
      if (inBlock) block++;
      continue;
    }
    if (!inBlock || !sections.includes(section)) continue;
    const line = stripComment(raw).trim();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const command = (pending + line).trim();
    pending = '';
    if (command === '') continue;
    out.push({ command, section, block, ...classify(command, fileExists) });
  }
  return out;
}

/** The variable names an `export A=… B=…` line sets. */
export function exportedNames(line: string): string[] {
  return [...line.replace(/^export\s+/, '').matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!);
}
