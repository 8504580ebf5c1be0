// SPDX-License-Identifier: MIT
//
// report.mjs: turns bench/results.json (bench.mjs) into bench/RESULTS.md
// and the data of the chart of headline ratios (bench/ratios.dat, drawn
// by chart.gp into bench/ratios.png).
//
// Usage: node scripts/bench/report.mjs RESULTS.json OUT.md OUT.dat

import { readFileSync, writeFileSync } from 'node:fs';

const [, , IN = 'bench/results.json', MD = 'bench/RESULTS.md', DAT = 'bench/ratios.dat'] = process.argv;
const r = JSON.parse(readFileSync(IN, 'utf8'));

function num(x) {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const cell = (s) => (s ? `${num(s.med)}${s.n > 1 ? ` (${num(s.lo)}–${num(s.hi)})` : ''}` : '—');

function verdict(f) {
  if (!f.budget) return '—';
  const v = f.igmcp.med;
  const ok = f.budget.op === '<' ? v < f.budget.value : v > f.budget.value;
  return ok ? 'met' : '**missed**';
}

const m = r.machine;
const lines = [];
lines.push('# Benchmark results');
lines.push('');
lines.push(`Written by \`make bench${r.quick ? ' BENCH_QUICK=1' : ''}\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC ` +
           `in ${Math.round(r.seconds)} s. Machine: ${m.cores} cores (${m.cpu}), ${num(m.memGiB)} GiB of memory, ` +
           `Linux ${m.kernel}, Node ${m.node}. igmcp: \`${m.igmcp}\`, RelWithDebInfo (build-bench/). Baseline: ` +
           `\`@modelcontextprotocol/server-everything\` ${m.everything}, the reference MCP server of the official ` +
           'TypeScript SDK, driven by the same client in the same run.' +
           (r.load ? ` Load average (1 min) at the start ${num(r.load.start[0])}, at the end ` +
                     `${num(r.load.end[0])}: above 2 means other work shared the 2 cores and the times are ` +
                     'inflated.' : ''));
lines.push('');
lines.push(`Each figure is the median of ${r.reps} runs after a warm-up run, with the min–max spread in ` +
           'brackets (one run where no spread is shown). Everything runs on 127.0.0.1; the client ' +
           '(scripts/bench, Node) shares the 2 cores with the server, and its own time is inside every round ' +
           'trip. Ratio = igmcp ÷ baseline (below 1 is better for times and memory, above 1 for rates).');
lines.push('');
lines.push('| figure | igmcp | baseline | ratio | budget | verdict |');
lines.push('|---|---|---|---|---|---|');
for (const f of r.figures) {
  const x = f.baseline ? f.igmcp.med / f.baseline.med : NaN;
  const ratio = x > 0 && x < 0.1 ? `1/${num(1 / x)}` : num(x);
  const budget = f.budget ? `${f.budget.op} ${num(f.budget.value)} ${f.unit}` : '—';
  lines.push(`| ${f.label} (${f.unit}) | ${cell(f.igmcp)} | ${cell(f.baseline)} | ${ratio} | ${budget} | ${verdict(f)} |`);
}
lines.push('');
lines.push('## Scaling (issue 10 item 6)');
lines.push('');
lines.push('The same work at 10× less and 10× more, one run each. A constant rate (or round trips ' +
           'growing in proportion to the work) means linear.');
lines.push('');
lines.push('| work | size | result | wall (s) | per unit of work (ms) | vs the middle size |');
lines.push('|---|---|---|---|---|---|');
for (const s of r.scaling) {
  /* Time per unit of work against the middle size of the same series:
   * within ±35 % reads as linear. */
  const series = r.scaling.filter((x) => x.what === s.what);
  const mid = series[Math.floor(series.length / 2)];
  const k = (s.wall / s.work) / (mid.wall / mid.work);
  let growth = '—';
  if (s.work > mid.work) {
    growth = `${num(k)}× per unit: ${k > 1.35 ? 'worse than linear' : k < 1 / 1.35 ? 'better than linear'
      : 'linear'}`;
  } else if (s.work < mid.work) {
    growth = `${num(k)}× per unit${k > 1.35 ? ': fixed costs weigh more' : ''}`;
  }
  lines.push(`| ${s.what} | ${num(s.work)} | ${num(s.value)} ${s.unit} | ${num(s.wall)} | ` +
             `${num((s.wall * 1000) / s.work)} | ${growth} |`);
}
lines.push('');
lines.push('## Notes');
lines.push('');
for (const n of r.notes) lines.push(`- ${n}`);
lines.push('- Graph-backed calls run against `serve --sandbox` (the emulator in the same process, so it ' +
           'shares the CPU); the overhead is the wall time of the call at the client minus the time the ' +
           'sandbox spent answering (`GET /__sandbox/stats`, the sum of its `X-Sandbox-Time-Us`), so it ' +
           'includes the client, loopback TCP and libcurl.');
lines.push('- Webhooks "without FTS": the store is created by a first start, its FTS triggers are dropped ' +
           'with the sqlite3 shell, then the server is started again on it.');
lines.push('- Inbox sync budget: one Graph round trip per 50 requests of the naive plan (batch API).');
lines.push('- Profiles of every missed budget: [PROFILES.md](PROFILES.md).');
lines.push('- Chart: `ratios.png`, how many times better igmcp is than the baseline on the headline figures ' +
           '(log scale).');
lines.push('');
writeFileSync(MD, lines.join('\n'));

/* Headline ratios: "times better", so > 1 always means igmcp wins. */
const heads = r.figures.filter((f) => f.baseline && !/CPU|p50|per call, 8/.test(f.label));
const dat = heads.map((f) => {
  const x = f.lower ? f.baseline.med / f.igmcp.med : f.igmcp.med / f.baseline.med;
  const short = f.label.replace(/ \(.*\)/, '').replace(/^inbox sync of [^:]*: /, 'inbox sync ')
    .replace(/ with 50 ms per request/, '').replace(/"/g, '');
  return `"${short.length > 40 ? short.slice(0, 39) + '…' : short}" ${x.toFixed(3)}`;
});
writeFileSync(DAT, dat.join('\n') + '\n');
