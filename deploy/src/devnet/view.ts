/**
 * The devnet's live terminal view: figures and endpoints redrawn every second (ANSI home + clear),
 * and a compact one-line form for logs when stdout is not a terminal.
 */
import { clientExports } from './clientEnv.js';
import type { DevnetHandle } from './devnet.js';
import type { DevnetStats } from './tracker.js';

const fmtMs = (v: number | null): string => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const fmtBlocks = (v: number | null): string => (v === null ? '–' : `${v} block${v === 1 ? '' : 's'}`);
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

/** The full screen (no trailing clear codes). */
export function renderView(d: DevnetHandle, s: DevnetStats & { streamErrors?: number }, rate: number): string {
  const bold = (x: string): string => `\x1b[1m${x}\x1b[0m`;
  const lines: string[] = [];
  lines.push(bold('AI Oracle AVS devnet') + `   block ${s.headBlock}   up ${Math.floor(s.elapsedS)} s   ${rate > 0 ? `${rate} req/s` : 'no request stream'}   Ctrl-C stops everything`);
  lines.push('');
  lines.push(`tasks/s        ${s.tasksPerSecond.toFixed(2)} (last 10 s)   ${s.tasksPerSecondAvg.toFixed(2)} average`);
  lines.push(`requests       ${s.requested} sent   ${s.finalised} finalised   ${s.expired} expired   ${s.pending} pending${s.streamErrors ? `   ${s.streamErrors} send errors` : ''}`);
  lines.push(`latency        p50 ${fmtMs(s.latencyMs.p50)}  p95 ${fmtMs(s.latencyMs.p95)}  (request sent → finalised; ${fmtBlocks(s.latencyBlocks.p50)} / ${fmtBlocks(s.latencyBlocks.p95)})`);
  lines.push(`quorum stake   ${pct(s.quorumStakeShare)} of quorum 0 signed the last result (threshold ${(d.deployment.thresholdBps / 100).toFixed(2)}%)`);
  const f = s.feed;
  lines.push(`feed ${f?.feedId ?? '?'}         ${f?.answer === null || f === null ? 'no round yet' : `answer ${f.answer} (round ${f.roundId}, ${s.feedRounds} rounds)`}   ${f?.description ?? ''}`);
  const slashed = new Set(s.slashed.map((x) => x.operator));
  lines.push(`slashed        ${slashed.size === 0 ? 'none' : `${[...slashed].join(', ')} (${s.slashed.length} dissent proofs)`}`);
  lines.push('');
  lines.push(bold('operators'));
  for (const o of d.operators) {
    const tag = o.byzantine ? ' BYZANTINE' : '';
    const cut = slashed.has(o.address) ? ' slashed' : '';
    lines.push(`  ${o.name.padEnd(5)} ${o.address}${tag}${cut}   node API ${o.nodeApiUrl}/eigen/node   metrics ${o.metricsUrl}`);
  }
  lines.push('');
  lines.push(bold('endpoints'));
  lines.push(`  RPC          ${d.rpcUrl} (chain ${d.chainId})`);
  lines.push(`  aggregator   ${d.aggregatorUrl}  (GET /v1/tasks?limit=10, /v1/operators, /metrics)`);
  if (d.prometheusUrl || d.prometheusNote) lines.push(`  prometheus   ${d.prometheusUrl ?? d.prometheusNote}`);
  lines.push(`  oracle       ${d.deployment.avs.inferenceOracle}   feeds ${d.deployment.avs.inferenceFeeds}`);
  lines.push(`  feed adapter ${d.feed.adapter} (AggregatorV3Interface)`);
  for (const m of d.models) lines.push(`  model        ${m.name} (${m.manifest.profile}) ${m.modelId}`);
  lines.push(`  deployments  ${d.deploymentFile}`);
  lines.push(`  logs         ${d.dir}/logs`);
  lines.push('');
  lines.push(bold('client CLI') + ' (paste into a shell at the repository root; the key is anvil dev account 3)');
  for (const l of clientExports(d)) lines.push(`  ${l}`);
  lines.push(`  npx aioracle feed latest ${d.feed.feedId}`);
  return lines.join('\n');
}

/** One line for non-terminal output. */
export function renderLine(s: DevnetStats): string {
  return `block ${s.headBlock} sent ${s.requested} finalised ${s.finalised} expired ${s.expired} pending ${s.pending} tasks/s ${s.tasksPerSecond.toFixed(2)} p50 ${fmtMs(s.latencyMs.p50)} p95 ${fmtMs(s.latencyMs.p95)} feed ${s.feed?.answer ?? '–'} slashed ${new Set(s.slashed.map((x) => x.operator)).size}`;
}
