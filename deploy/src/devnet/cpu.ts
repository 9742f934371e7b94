/**
 * CPU time of processes, read from /proc (Linux): user + system time of a process and of every
 * process in its process group (the devnet starts each node in its own group, so a node's helper
 * processes count with it; threads are inside their process's figures). Used by bench:e2e for
 * "CPU milliseconds per finalised task". Elsewhere than Linux it reports null.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name: index 0 = state (field 3). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU milliseconds (user + system, own threads) of one process, or null if it is gone. */
function processCpuMs(fields: string[]): number {
  // after ')': state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt(10) cminflt(11) majflt(12) cmajflt(13) utime(14) stime(15)
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

/** A snapshot of CPU milliseconds per named process (its whole process group where it leads one). */
export function cpuSnapshot(procs: readonly { name: string; pid: number }[]): Map<string, number> | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return null;
  }
  const byGroup = new Map<number, number>();
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    const f = statFields(pid);
    if (!f) continue;
    const ms = processCpuMs(f);
    byPid.set(pid, ms);
    const pgrp = Number(f[2]);
    byGroup.set(pgrp, (byGroup.get(pgrp) ?? 0) + ms);
  }
  const out = new Map<string, number>();
  for (const p of procs) {
    const ms = byGroup.get(p.pid) ?? byPid.get(p.pid);
    if (ms !== undefined) out.set(p.name, ms);
  }
  return out;
}

/** CPU milliseconds each process spent between two snapshots (processes in both). */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, ms] of after) {
    const b = before.get(name);
    if (b !== undefined) out.set(name, ms - b);
  }
  return out;
}
