/**
 * `<LifecycleConfiguration>` of Get/PutBucketLifecycleConfiguration (shared/spec/s3-surface.md §3,
 * P1): Expiration (Days / Date / ExpiredObjectDeleteMarker), NoncurrentVersionExpiration
 * (NoncurrentDays, NewerNoncurrentVersions), AbortIncompleteMultipartUpload; filters Prefix, Tag,
 * And, ObjectSizeGreaterThan / ObjectSizeLessThan. Transitions → NotImplemented.
 *
 * The stored form (`LifecycleConfig` of engine/api.ts, bucket config `lifecycle`, tagged `v: 1`)
 * is what the engine's lifecycle worker reads.
 */
import { randomUUID } from 'node:crypto';
import { setEntry } from '../../common/index.js';
import type { LifecycleConfig, LifecycleRule } from '../../engine/index.js';
import { S3Errors } from '../errors.js';
import { parseXmlAsync, renderXml, type XmlNode, type XmlObject } from './codec.js';

/** Which objects a rule applies to (all conditions must hold). */
export type LifecycleFilter = LifecycleRule['filter'];

/**
 * `x-amz-transition-default-minimum-object-size` (API_PutBucketLifecycleConfiguration, a request and
 * response header; API_GetBucketLifecycleConfiguration, a response header): which small objects a
 * transition skips by default. S3 answers it on both, `all_storage_classes_128K` when none was set
 * (its default since September 2024). The Terraform AWS provider waits after a Put until Get reports
 * the value it expects, so without it `aws_s3_bucket_lifecycle_configuration` never completes
 * (hashicorp/terraform-provider-aws#46021 against Ceph, #41603; moto and SeaweedFS answer the
 * default for that reason). Transitions are 501 here: the value is kept and reported, nothing more.
 */
export const TRANSITION_MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
const TRANSITION_MINIMUM_SIZES = ['all_storage_classes_128K', 'varies_by_storage_class'] as const;

/** A value of `x-amz-transition-default-minimum-object-size`. */
export type TransitionMinimumSize = (typeof TRANSITION_MINIMUM_SIZES)[number];

/** S3's value when the Put named none. */
export const DEFAULT_TRANSITION_MINIMUM_SIZE: TransitionMinimumSize = 'all_storage_classes_128K';

/**
 * The persisted lifecycle configuration (the rules' type lives in engine/api.ts: the worker reads
 * them), with the transition default when it is not S3's default.
 */
export interface StoredLifecycle extends LifecycleConfig {
  rules: StoredLifecycleRule[];
  transitionMinimumSize?: TransitionMinimumSize;
}

/**
 * A stored rule: the engine's rule, and whether its prefix came as the rule's own `<Prefix>` (the
 * form before `<Filter>`, still accepted by S3) rather than in a `<Filter>`. S3 answers a rule in
 * the form it was given: GetBucketLifecycleConfiguration shows such a rule's `"Prefix": "rotated/"`
 * at the rule's level (AWS CLI reference, get-bucket-lifecycle-configuration, example output;
 * s3-tests test_lifecycle_get compares the rules read back with the rules sent), and a client that
 * reads its rule back to compare it (boto3 `Rules[i]['Prefix']`) finds it there.
 */
export type StoredLifecycleRule = LifecycleRule & { prefixOutsideFilter?: true };

/**
 * The PutBucketLifecycleConfiguration request's transition default (S3's default when the header is
 * absent or empty); another value is 400 InvalidArgument, as other enumerated headers are here.
 */
export function transitionMinimumSizeOf(header: string | undefined): TransitionMinimumSize {
  const v = header?.trim() ?? '';
  if (v === '') return DEFAULT_TRANSITION_MINIMUM_SIZE;
  if ((TRANSITION_MINIMUM_SIZES as readonly string[]).includes(v)) return v as TransitionMinimumSize;
  throw S3Errors.InvalidArgument({ message: `Invalid ${TRANSITION_MINIMUM_SIZE_HEADER}`, fields: { ArgumentName: TRANSITION_MINIMUM_SIZE_HEADER, ArgumentValue: header } });
}

export type { LifecycleRule };

/** AWS's limit on rules per configuration. */
export const MAX_LIFECYCLE_RULES = 1000;

function positiveInt(n: XmlNode | undefined, name: string): number | undefined {
  const t = n?.childToken(name);
  if (t === undefined) return undefined;
  if (!/^\d{1,9}$/.test(t) || Number(t) < 1) throw S3Errors.InvalidArgument(`'${name}' in a lifecycle rule must be a positive integer`);
  return Number(t);
}

function sizeBound(n: XmlNode, name: string): number | undefined {
  const t = n.childToken(name);
  if (t === undefined) return undefined;
  if (!/^\d{1,16}$/.test(t)) throw S3Errors.MalformedXML();
  return Number(t);
}

function tagsOf(nodes: XmlNode[]): Record<string, string> | undefined {
  if (nodes.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of nodes) {
    const k = t.childText('Key');
    if (k === undefined) throw S3Errors.MalformedXML();
    // Two tags with one key in a filter: S3 answers 400 InvalidRequest "Duplicate Tag Keys are not
    // allowed." (LocalStack's AWS recording test_s3.py TestS3BucketLifecycle
    // test_put_bucket_lifecycle_conf_exc "duplicate-tag-keys"); the second silently won here.
    if (Object.hasOwn(out, k)) throw S3Errors.InvalidRequest('Duplicate Tag Keys are not allowed.');
    // setEntry: a filter on the tag `__proto__` must not turn into an empty filter (every object).
    setEntry(out, k, t.childText('Value') ?? '');
  }
  return out;
}

function parseFilter(rule: XmlNode): LifecycleFilter {
  const f = rule.one('Filter');
  if (!f) {
    const legacy = rule.childText('Prefix');
    return legacy === undefined ? {} : { prefix: legacy };
  }
  const and = f.one('And');
  // <And> is the filter's only child when present: the other conditions go inside it (AWS
  // API_LifecycleRuleFilter). `<Filter><And><Prefix>test</Prefix></And><Prefix></Prefix></Filter>`
  // is 400 MalformedXML from S3 (same recording, "wrong-filter-and-plus-prefix"); the outer Prefix
  // was dropped here.
  if (and && ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].some((n) => f.all(n).length > 0)) {
    throw S3Errors.MalformedXML();
  }
  const src = and ?? f;
  const filter: LifecycleFilter = {};
  const prefix = src.childText('Prefix');
  if (prefix !== undefined) filter.prefix = prefix;
  const tags = tagsOf(src.all('Tag'));
  if (tags) filter.tags = tags;
  const gt = sizeBound(src, 'ObjectSizeGreaterThan');
  if (gt !== undefined) filter.objectSizeGreaterThan = gt;
  const lt = sizeBound(src, 'ObjectSizeLessThan');
  if (lt !== undefined) filter.objectSizeLessThan = lt;
  // Outside <And>, a filter holds at most one condition (AWS schema).
  if (!and && conditionCount(filter) > 1) throw S3Errors.MalformedXML();
  return filter;
}

/**
 * An action's `<Date>`: ISO 8601 at midnight GMT (AWS LifecycleExpiration / Transition: "The date
 * value must be in ISO 8601 format. The time is always midnight UTC."), else 400 InvalidArgument;
 * as an ISO string. Midnight to the millisecond: 00:55:27 is not midnight (botocore sends the Date
 * `20220927` of s3-tests test_lifecycle_transition_set_invalid_date as 1970-08-23T00:55:27Z, read
 * as seconds since the epoch; checking the hour alone let it through).
 */
function midnightDate(action: XmlNode): string | undefined {
  const date = action.childToken('Date');
  if (date === undefined) return undefined;
  const t = Date.parse(date);
  // S3 names the element and echoes the value (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
  // TestS3BucketLifecycle::test_put_bucket_lifecycle_conf_exc: wrong-data-no-midnight, ArgumentName Date).
  if (Number.isNaN(t) || t % 86_400_000 !== 0) {
    throw S3Errors.InvalidArgument({ message: '\'Date\' must be at midnight GMT', fields: { ArgumentName: 'Date', ArgumentValue: date } });
  }
  return new Date(t).toISOString();
}

/**
 * Transitions are not implemented (501), but a rule may hold several of them (`<Transition>` and
 * `<NoncurrentVersionTransition>` repeat: AWS LifecycleRule, "Transitions" / "NoncurrentVersionTransitions"
 * are lists), and a transition that is malformed is refused as S3 refuses it, with 400, before the
 * 501: a Date that is not ISO 8601 at midnight (s3-tests test_lifecycle_transition_set_invalid_date
 * expects 400 for `20220927`), Days / NoncurrentDays that are not whole numbers (0 is allowed in a
 * transition). Counting them with `one()` made two transitions a 400 MalformedXML instead.
 */
function refuseTransitions(rule: XmlNode): void {
  const transitions = [...rule.all('Transition'), ...rule.all('NoncurrentVersionTransition')];
  if (transitions.length === 0) return;
  for (const t of transitions) {
    midnightDate(t);
    for (const name of ['Days', 'NoncurrentDays']) {
      const v = t.childToken(name);
      if (v !== undefined && !/^\d{1,9}$/.test(v)) throw S3Errors.InvalidArgument(`'${name}' in a lifecycle transition must be a non-negative integer`);
    }
  }
  throw S3Errors.NotImplemented('Lifecycle transitions are not implemented');
}

function parseExpiration(rule: XmlNode): LifecycleRule['expiration'] {
  const e = rule.one('Expiration');
  if (!e) return undefined;
  const out: NonNullable<LifecycleRule['expiration']> = {};
  const days = positiveInt(e, 'Days');
  if (days !== undefined) out.days = days;
  const date = midnightDate(e);
  if (date !== undefined) out.date = date;
  const edm = e.childToken('ExpiredObjectDeleteMarker');
  if (edm !== undefined) out.expiredObjectDeleteMarker = edm === 'true';
  if (Object.keys(out).length !== 1) throw S3Errors.MalformedXML();
  return out;
}

function parseRule(r: XmlNode): StoredLifecycleRule {
  refuseTransitions(r);
  const status = r.childToken('Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw S3Errors.MalformedXML();
  const rule: StoredLifecycleRule = { status, filter: parseFilter(r) };
  if (r.one('Filter') === undefined && r.childText('Prefix') !== undefined) rule.prefixOutsideFilter = true;
  const id = r.childText('ID');
  if (id !== undefined) {
    if (id.length > 255) throw S3Errors.InvalidArgument('ID length should not exceed allowed limit of 255');
    rule.id = id;
  }
  const exp = parseExpiration(r);
  if (exp) rule.expiration = exp;
  const nve = r.one('NoncurrentVersionExpiration');
  if (nve) {
    rule.noncurrentVersionExpiration = {};
    const d = positiveInt(nve, 'NoncurrentDays');
    if (d !== undefined) rule.noncurrentVersionExpiration.noncurrentDays = d;
    const n = positiveInt(nve, 'NewerNoncurrentVersions');
    if (n !== undefined) rule.noncurrentVersionExpiration.newerNoncurrentVersions = n;
    // An empty <NoncurrentVersionExpiration/> says nothing to do: 400 MalformedXML from S3 (same
    // recording, "missing-noncurrent-version-expiration-data"); it was stored as a rule that never acts.
    if (d === undefined && n === undefined) throw S3Errors.MalformedXML();
  }
  const abort = r.one('AbortIncompleteMultipartUpload');
  if (abort) {
    const d = positiveInt(abort, 'DaysAfterInitiation');
    if (d === undefined) throw S3Errors.MalformedXML();
    rule.abortIncompleteMultipartUpload = { daysAfterInitiation: d };
  }
  if (!rule.expiration && !rule.noncurrentVersionExpiration && !rule.abortIncompleteMultipartUpload) throw S3Errors.MalformedXML();
  // A rule names its objects with <Filter> or the older rule-level <Prefix>: "Filter … is required
  // if the LifecycleRule does not contain a Prefix element" (AWS API_LifecycleRule). With neither,
  // S3 answers 400 MalformedXML (LocalStack's AWS recording test_s3.py TestS3BucketLifecycle
  // test_put_bucket_lifecycle_conf_exc "missing-filter", "missing-id"); the rule applied to every
  // object here. Checked after the actions, whose own errors come first as before.
  if (r.one('Filter') === undefined && r.childText('Prefix') === undefined) throw S3Errors.MalformedXML();
  checkFilterFits(rule);
  return rule;
}

/**
 * Actions whose subjects have no tags and no size refuse such filters, as S3 does (400
 * InvalidRequest "AbortIncompleteMultipartUpload cannot be specified with Tags." / "… with Object
 * Size", seen from S3 by Terraform and CDK users): an incomplete upload has neither yet, and a
 * delete marker has neither (user guide: ExpiredObjectDeleteMarker "cannot specify a tag-based
 * filter"). Accepting them would store a rule that can never act.
 */
function checkFilterFits(rule: LifecycleRule): void {
  const f = rule.filter;
  const tags = Object.keys(f.tags ?? {}).length > 0;
  const size = f.objectSizeGreaterThan !== undefined || f.objectSizeLessThan !== undefined;
  const refuse = (action: string): void => {
    if (tags) throw S3Errors.InvalidRequest(`${action} cannot be specified with Tags.`);
    if (size) throw S3Errors.InvalidRequest(`${action} cannot be specified with Object Size.`);
  };
  if (rule.abortIncompleteMultipartUpload) refuse('AbortIncompleteMultipartUpload');
  if (rule.expiration?.expiredObjectDeleteMarker) refuse('ExpiredObjectDeleteMarker');
}

/** Parse and validate a PutBucketLifecycleConfiguration body. */
export async function parseLifecycle(body: Buffer): Promise<StoredLifecycle> {
  const rules = (await parseXmlAsync(body, 'LifecycleConfiguration')).all('Rule').map(parseRule);
  if (rules.length === 0 || rules.length > MAX_LIFECYCLE_RULES) throw S3Errors.MalformedXML();
  // A rule sent without an ID (or with an empty one) gets one: "If you don't provide one, Amazon S3
  // will assign an ID" (aws-controllers-k8s/community#1540, from the S3 team's answer; MinIO does
  // the same since minio#15731). GetBucketLifecycleConfiguration shows it and x-amz-expiration /
  // x-amz-abort-rule-id name it. S3's are 48 characters of base64 of a UUID; so are these.
  // Assigned before the uniqueness check, so two rules sent without one are not "the same ID" (as
  // MinIO's ParseLifecycleConfigWithID assigns first).
  for (const r of rules) if (r.id === undefined || r.id === '') r.id = Buffer.from(randomUUID()).toString('base64');
  const ids = rules.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw S3Errors.InvalidArgument('Rule ID must be unique. Found same ID for more than one rule');
  return { v: 1, rules };
}

/** Number of conditions in a filter (each tag counts). */
function conditionCount(f: LifecycleFilter): number {
  return (f.prefix !== undefined ? 1 : 0) + Object.keys(f.tags ?? {}).length
    + (f.objectSizeGreaterThan !== undefined ? 1 : 0) + (f.objectSizeLessThan !== undefined ? 1 : 0);
}

function filterXml(f: LifecycleFilter): XmlObject {
  const conds: XmlObject = {
    Prefix: f.prefix,
    Tag: f.tags ? Object.entries(f.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
    ObjectSizeGreaterThan: f.objectSizeGreaterThan,
    ObjectSizeLessThan: f.objectSizeLessThan,
  };
  return conditionCount(f) > 1 ? { And: conds } : conds;
}

/** Render the stored configuration. */
export function renderLifecycle(l: StoredLifecycle): string {
  return renderXml('LifecycleConfiguration', {
    Rule: l.rules.map((r) => ({
      ID: r.id,
      ...(r.prefixOutsideFilter === true ? { Prefix: r.filter.prefix ?? '' } : { Filter: filterXml(r.filter) }),
      Status: r.status,
      Expiration: r.expiration && {
        Days: r.expiration.days,
        Date: r.expiration.date,
        ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker,
      },
      NoncurrentVersionExpiration: r.noncurrentVersionExpiration && {
        NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays,
        NewerNoncurrentVersions: r.noncurrentVersionExpiration.newerNoncurrentVersions,
      },
      AbortIncompleteMultipartUpload: r.abortIncompleteMultipartUpload && { DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation },
    })),
  });
}

/** Read a stored lifecycle back (undefined for anything else). */
export function asStoredLifecycle(v: unknown): StoredLifecycle | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const l = v as Partial<StoredLifecycle>;
  return l.v === 1 && Array.isArray(l.rules) ? (l as StoredLifecycle) : undefined;
}
