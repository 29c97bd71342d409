/**
 * conformance/expectations.json: `{"<feature>/<case name>": "reason"}` for the ccow cases known to
 * fail. The list may only shrink (shared/STYLE.md habit 9, undici's expectation.json): a failure not
 * listed fails the run, and so does a listed case that passes or no longer exists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult, Feature } from './suite.js';

/** Case id → why it fails. */
export type Expectations = Record<string, string>;

/** What a run got wrong against the expectations. */
export interface Verdict {
  /** Failed and not listed. */
  unexpectedFailures: CaseResult[];
  /** Listed and passed: remove them from expectations.json. */
  unexpectedPasses: string[];
  /** Listed but no such case (in the features that ran). */
  stale: string[];
}

/** Read the expectations file of the repository at `root` (missing file = none expected). */
export function readExpectations(root: string): Expectations {
  let text: string;
  try {
    text = readFileSync(join(root, 'conformance', 'expectations.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expectations.json: expected an object');
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' || !v.trim()) throw new Error(`expectations.json: ${k} needs a reason`);
  }
  return parsed as Expectations;
}

/** The id of a case in expectations.json. */
export const caseId = (r: { feature: string; name: string }): string => `${r.feature}/${r.name}`;

/** Compare ccow results of `features` with the expectations. */
export function judge(results: CaseResult[], features: Feature[], exp: Expectations): Verdict {
  const ran = new Set(features.map((f) => f.name));
  const ids = new Set(features.flatMap((f) => f.cases.map((c) => `${f.name}/${c.name}`)));
  const unexpectedFailures = results.filter((r) => !r.ok && !(caseId(r) in exp));
  const unexpectedPasses = results.filter((r) => r.ok && caseId(r) in exp).map(caseId);
  const stale = Object.keys(exp).filter((k) => ran.has(k.slice(0, k.indexOf('/'))) && !ids.has(k));
  return { unexpectedFailures, unexpectedPasses, stale };
}

/** True when the verdict holds nothing wrong. */
export const clean = (v: Verdict): boolean => !v.unexpectedFailures.length && !v.unexpectedPasses.length && !v.stale.length;

/** Human-readable lines for a verdict (empty when clean). */
export function verdictLines(v: Verdict): string[] {
  return [
    ...v.unexpectedFailures.map((r) => `FAIL (not in expectations.json) ${caseId(r)}: ${r.error ?? ''}`),
    ...v.unexpectedPasses.map((id) => `${id} now passes — remove it from expectations.json`),
    ...v.stale.map((id) => `${id} is in expectations.json but no such case exists — remove it`),
  ];
}
