/**
 * Lifecycle rule evaluation shared by the lifecycle worker (lifecycle.ts) and the S3 layer's
 * `x-amz-expiration` response header: which enabled rules apply to a version (filters), when a
 * Days action falls due, and when the `Expiration` (Days/Date) of a current version falls due. The
 * header must show the date the worker acts on, so both ask `currentExpiry` here.
 *
 * Days count as S3 counts them ("Lifecycle configuration elements": "Amazon S3 calculates the time
 * by adding the number of days specified in the rule to the object creation time and rounding the
 * resulting time to the next day midnight UTC"). Filters: all conditions must hold; a delete marker
 * has no tags and no size, so it matches only rules whose filter is at most a prefix.
 */
import type { LifecycleConfig, LifecycleRule, ObjectVersion } from './api.js';

const DAY_MS = 86_400_000;

/** When an action `days` days after `fromMs` falls due: the sum rounded up to midnight UTC. */
export function lifecycleDueAt(fromMs: number, days: number): number {
  return Math.ceil((fromMs + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** The enabled rules of a bucket's stored lifecycle configuration (none when it has none). */
export function enabledRules(configs: Record<string, unknown>): LifecycleRule[] {
  const l = configs.lifecycle as LifecycleConfig | undefined;
  if (!l || l.v !== 1 || !Array.isArray(l.rules)) return [];
  return l.rules.filter((r) => r.status === 'Enabled');
}

/** What a rule's filter looks at in a version (undefined: a delete marker). */
export type RuleSubject = { size: number; tags?: Record<string, string> } | undefined;

/** Does `rule` apply to `key` with this version (undefined: a delete marker)? */
export function ruleMatches(rule: LifecycleRule, key: string, v: RuleSubject): boolean {
  const f = rule.filter;
  if (f.prefix && !key.startsWith(f.prefix)) return false;
  const tags = Object.entries(f.tags ?? {});
  if (!v) return tags.length === 0 && f.objectSizeGreaterThan === undefined && f.objectSizeLessThan === undefined;
  // Own tags only (`constructor`, `toString`, `__proto__` are tag names like any other). An
  // inherited member is never a string, so it could not match before either; this says so.
  if (tags.some(([k, val]) => !v.tags || !Object.hasOwn(v.tags, k) || v.tags[k] !== val)) return false;
  if (f.objectSizeGreaterThan !== undefined && !(v.size > f.objectSizeGreaterThan)) return false;
  if (f.objectSizeLessThan !== undefined && !(v.size < f.objectSizeLessThan)) return false;
  return true;
}

/** When the Days/Date expiration of `rule` falls due for something written at `writtenMs` (undefined: never). */
export function expirationDueAt(rule: LifecycleRule, writtenMs: number): number | undefined {
  const x = rule.expiration;
  const byDays = x?.days !== undefined ? lifecycleDueAt(writtenMs, x.days) : undefined;
  const byDate = x?.date !== undefined ? Date.parse(x.date) : undefined;
  if (byDays === undefined) return byDate;
  return byDate === undefined ? byDays : Math.min(byDays, byDate);
}

/** The expiration that will act on a current version, and the rule it comes from. */
export interface CurrentExpiry {
  /** ms since the epoch (a midnight UTC). */
  at: number;
  rule: LifecycleRule;
}

/**
 * The `Expiration` (Days/Date) that acts first on a current version (not a delete marker) of `key`
 * written at `writtenMs`: the earliest among the matching rules, the first such rule on a tie.
 * ExpiredObjectDeleteMarker-only rules never expire a version. Undefined: no rule expires it.
 */
export function currentExpiry(rules: readonly LifecycleRule[], key: string, v: { size: number; tags?: Record<string, string> }, writtenMs: number): CurrentExpiry | undefined {
  let best: CurrentExpiry | undefined;
  for (const rule of rules) {
    if (!rule.expiration || !ruleMatches(rule, key, v)) continue;
    const at = expirationDueAt(rule, writtenMs);
    if (at !== undefined && (!best || at < best.at)) best = { at, rule };
  }
  return best;
}

/**
 * The expiration of a current object version under its bucket's stored lifecycle configuration
 * (`configs` of BucketInfo), for the S3 `x-amz-expiration` header; undefined for a delete marker or
 * when no enabled rule expires it. The version's LastModified is when it was written (its UVID time).
 */
export function objectExpiry(configs: Record<string, unknown>, v: Pick<ObjectVersion, 'key' | 'size' | 'tags' | 'lastModified' | 'deleteMarker'>): CurrentExpiry | undefined {
  if (v.deleteMarker) return undefined;
  const rules = enabledRules(configs);
  return rules.length === 0 ? undefined : currentExpiry(rules, v.key, v, v.lastModified.getTime());
}

/** When an in-progress multipart upload is aborted, and the rule that does it. */
export interface UploadAbort {
  /** ms since the epoch (a midnight UTC). */
  at: number;
  rule: LifecycleRule;
}

/**
 * The `AbortIncompleteMultipartUpload` that acts first on an upload of `key` begun at
 * `initiatedMs` under the bucket's stored lifecycle configuration: DaysAfterInitiation rounded up to
 * midnight UTC, the earliest matching enabled rule (the first on a tie). An upload has no tags or
 * size yet, so only rules whose filter is at most a prefix match (S3 refuses the others for this
 * action). The lifecycle worker aborts by it and the S3 layer announces it (`x-amz-abort-date`,
 * `x-amz-abort-rule-id` on CreateMultipartUpload and ListParts). Undefined: no rule aborts it.
 */
export function uploadAbortDue(configs: Record<string, unknown>, key: string, initiatedMs: number): UploadAbort | undefined {
  return abortDue(enabledRules(configs), key, initiatedMs);
}

/** uploadAbortDue over rules already taken from a configuration (a worker's page of uploads). */
export function abortDue(rules: readonly LifecycleRule[], key: string, initiatedMs: number): UploadAbort | undefined {
  let best: UploadAbort | undefined;
  for (const rule of rules) {
    const a = rule.abortIncompleteMultipartUpload;
    if (!a || !ruleMatches(rule, key, undefined)) continue;
    const at = lifecycleDueAt(initiatedMs, a.daysAfterInitiation);
    if (!best || at < best.at) best = { at, rule };
  }
  return best;
}
