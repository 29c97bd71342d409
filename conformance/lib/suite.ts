/**
 * Loading and running the suite: every `cases/*.js` module next to the compiled runner is a
 * feature (named after its file); its `cases` run a few at a time, each under a timeout.
 */
import { AssertionError } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Case, Ctx, TargetName } from './types.js';

/** One feature: a case file. */
export interface Feature {
  name: string;
  cases: Case[];
}

/** The outcome of one case on one target. */
export interface CaseResult {
  feature: string;
  name: string;
  target: TargetName;
  ok: boolean;
  /** The failure, one line (first line of the thrown message). */
  error?: string;
  ms: number;
}

/** How to run. */
export interface RunOptions {
  /** Cases in flight at once (default 6). */
  concurrency?: number;
  /** Per-case timeout in ms (default 20 000). */
  timeoutMs?: number;
  /** Called after each case (progress output). */
  onResult?(r: CaseResult): void;
}

/** Directory of the compiled conformance tree (the parent of lib/). */
export function conformanceDir(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * The repository root: the nearest ancestor of the compiled tree holding package.json (works from
 * dist/ and from a per-engineer outDir such as .tmp/name/).
 */
export function repoRoot(): string {
  let d = conformanceDir();
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error('conformance: no package.json above ' + conformanceDir());
    d = up;
  }
}

/** Load every feature (optionally only `only`), sorted by name; throws on duplicate case names. */
export async function loadFeatures(only?: string[]): Promise<Feature[]> {
  const dir = join(conformanceDir(), 'cases');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const features: Feature[] = [];
  for (const f of files) {
    const name = f.slice(0, -3);
    if (only && !only.includes(name)) continue;
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { cases?: Case[] };
    if (!Array.isArray(mod.cases)) throw new Error(`conformance: cases/${f} exports no 'cases' array`);
    features.push({ name, cases: mod.cases });
  }
  const missing = (only ?? []).filter((n) => !features.some((f) => f.name === n));
  if (missing.length) throw new Error(`conformance: no such feature: ${missing.join(', ')}`);
  for (const f of features) checkNames(f);
  return features;
}

/** Case names are ids in expectations.json: unique within a feature, non-empty, with a ref. */
export function checkNames(f: Feature): void {
  const seen = new Set<string>();
  for (const c of f.cases) {
    if (!c.name) throw new Error(`conformance: a case in ${f.name} has no name`);
    if (!c.ref) throw new Error(`conformance: ${f.name}/${c.name} has no ref`);
    if (seen.has(c.name)) throw new Error(`conformance: duplicate case name in ${f.name}: ${c.name}`);
    seen.add(c.name);
  }
}

/** Run every case of `features` against one context. */
export async function runFeatures(ctx: Ctx, features: Feature[], opts: RunOptions = {}): Promise<CaseResult[]> {
  const queue = features.flatMap((f) => f.cases.map((c) => ({ feature: f.name, c })));
  const results: CaseResult[] = [];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const r = await runOne(ctx, job.feature, job.c, opts.timeoutMs ?? 20_000);
      results.push(r);
      opts.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 6 }, worker));
  const order = new Map(features.flatMap((f) => f.cases.map((c, i) => [`${f.name}/${c.name}`, i] as const)));
  const fidx = new Map(features.map((f, i) => [f.name, i]));
  return results.sort((a, b) => fidx.get(a.feature)! - fidx.get(b.feature)! || order.get(`${a.feature}/${a.name}`)! - order.get(`${b.feature}/${b.name}`)!);
}

async function runOne(ctx: Ctx, feature: string, c: Case, timeoutMs: number): Promise<CaseResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([c.run(ctx), timeout]);
    return { feature, name: c.name, target: ctx.target, ok: true, ms: performance.now() - t0 };
  } catch (e) {
    return { feature, name: c.name, target: ctx.target, ok: false, error: describe(e), ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** One line for a failure: an SDK error's name and status, or an assertion's message. */
export function describe(e: unknown): string {
  if (e instanceof AssertionError) {
    const what = e.generatedMessage ? '' : `${e.message.split('\n')[0]} — `;
    return `${what}expected ${show(e.expected)}, got ${show(e.actual)}`;
  }
  if (e instanceof Error) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const head = e.message.split('\n').find((l) => l.trim()) ?? '';
    return status === undefined ? `${e.name}: ${head}` : `${e.name} (HTTP ${status}): ${head}`;
  }
  return String(e);
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
