/**
 * `npm run conformance` → `node dist/conformance/run.js [--target ccow|s3rver|both] [--feature X]…
 * [--write-readme]`: boots each target, runs every case file, prints pass/fail per case and a
 * per-feature summary, and judges the ccow results against expectations.json (exit 1 when a case
 * not listed fails, or a listed one passes or no longer exists). `--write-readme` runs both targets
 * and regenerates conformance/README.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCtx } from './lib/ctx.js';
import { clean, judge, readExpectations, verdictLines } from './lib/expectations.js';
import { renderReadme, type ResultsByTarget } from './lib/readme.js';
import { loadFeatures, repoRoot, runFeatures, type CaseResult, type Feature } from './lib/suite.js';
import { startTarget, TARGETS } from './lib/targets.js';
import type { TargetName } from './lib/types.js';

interface Cli {
  targets: TargetName[];
  features?: string[];
  writeReadme: boolean;
  verbose: boolean;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      feature: { type: 'string', multiple: true },
      'write-readme': { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
    },
  });
  const writeReadme = values['write-readme'] ?? false;
  const t = values.target ?? (writeReadme ? 'both' : 'ccow');
  if (t !== 'both' && !TARGETS.includes(t as TargetName)) throw new Error(`--target must be ccow, s3rver or both (got ${t})`);
  if (writeReadme && (t !== 'both' || values.feature)) throw new Error('--write-readme needs every feature on both targets');
  return { targets: t === 'both' ? [...TARGETS] : [t as TargetName], features: values.feature, writeReadme, verbose: values.verbose ?? false };
}

async function runTarget(name: TargetName, features: Feature[], verbose: boolean): Promise<CaseResult[]> {
  const target = await startTarget(name);
  const ctx = createCtx(target.info);
  try {
    const t0 = performance.now();
    const results = await runFeatures(ctx, features, {
      onResult: (r) => {
        if (verbose || !r.ok) console.log(`${r.ok ? 'pass' : 'FAIL'} [${name}] ${r.feature}/${r.name}${r.ok ? '' : ` — ${r.error}`}${verbose ? ` (${Math.round(r.ms)} ms)` : ''}`);
      },
    });
    summarise(name, features, results, performance.now() - t0);
    return results;
  } finally {
    await ctx.close();
    await target.close();
  }
}

function summarise(name: TargetName, features: Feature[], results: CaseResult[], ms: number): void {
  console.log(`\n${name}: per feature (passed/cases)`);
  for (const f of features) {
    const mine = results.filter((r) => r.feature === f.name);
    console.log(`  ${f.name.padEnd(16)} ${String(mine.filter((r) => r.ok).length).padStart(4)}/${f.cases.length}`);
  }
  const ok = results.filter((r) => r.ok).length;
  console.log(`  ${'total'.padEnd(16)} ${String(ok).padStart(4)}/${results.length}  (${(ms / 1000).toFixed(1)} s)\n`);
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const root = repoRoot();
  const features = await loadFeatures(cli.features);
  const exp = readExpectations(root);
  const results: ResultsByTarget = {};
  for (const t of cli.targets) results[t] = await runTarget(t, features, cli.verbose);
  let code = 0;
  if (results.ccow) {
    const v = judge(results.ccow, features, exp);
    for (const l of verdictLines(v)) console.log(l);
    console.log(clean(v) ? 'ccow: matches expectations.json' : 'ccow: does not match expectations.json');
    if (!clean(v)) code = 1;
  }
  if (cli.writeReadme) {
    const path = join(root, 'conformance', 'README.md');
    writeFileSync(path, renderReadme(features, results, exp));
    console.log(`wrote ${path}`);
  }
  return code;
}

// Exit explicitly: a timed-out case may still hold a socket or timer open.
main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
