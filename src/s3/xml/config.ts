/**
 * Bucket configuration bodies: versioning, tagging, location, CreateBucketConfiguration, policy
 * status and the fixed answers of the P1 stubs tools probe (shared/spec/s3-surface.md §3).
 */
import { setEntry } from '../../common/index.js';
import type { Versioning } from '../../engine/index.js';
import { S3Errors } from '../errors.js';
import { isObjectOwnership, type ObjectOwnership } from '../ownership.js';
import { parseXmlAsync, parseXmlIfRoot, renderXml, type XmlNode } from './codec.js';

/** Parse `<VersioningConfiguration>`: Status Enabled|Suspended; MFA delete is not implemented. */
export async function parseVersioning(body: Buffer): Promise<'Enabled' | 'Suspended'> {
  const root = await parseXmlAsync(body, 'VersioningConfiguration');
  const mfa = root.childToken('MfaDelete');
  if (mfa === 'Enabled') throw S3Errors.NotImplemented('MFA delete is not implemented');
  if (mfa !== undefined && mfa !== 'Disabled') throw S3Errors.MalformedXML();
  const status = root.childToken('Status');
  // An empty <VersioningConfiguration/> is not MalformedXML to S3 but this code of its own
  // (LocalStack's AWS-validated test_bucket_versioning_crud, put-versioning-empty).
  if (status === undefined && mfa === undefined) throw S3Errors.IllegalVersioningConfigurationException();
  if (status !== 'Enabled' && status !== 'Suspended') throw S3Errors.MalformedXML();
  return status;
}

/** `<VersioningConfiguration>`; empty for a bucket that never had versioning enabled (as AWS). */
export function renderVersioning(v: Versioning): string {
  return renderXml('VersioningConfiguration', v === 'Unversioned' ? {} : { Status: v });
}

/**
 * Whether a configuration body is its root element with nothing in it (MalformedXML if another
 * element): an empty `<NotificationConfiguration>` configures no events, an empty
 * `<BucketLoggingStatus>` turns logging off.
 */
export async function isEmptyConfig(body: Buffer, root: 'NotificationConfiguration' | 'BucketLoggingStatus'): Promise<boolean> {
  return (await parseXmlAsync(body, root)).names().length === 0;
}

/** The characters a tag key or value may hold (validateTags). */
const TAG_ALPHABET = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tag-set limits: 10 per object, 50 per bucket; keys ≤ 128 characters, values ≤ 256 (§3). */
export const TAG_LIMITS = { object: 10, bucket: 50, keyChars: 128, valueChars: 256 } as const;

/**
 * Check a tag set against the limits, with the codes AWS answers (not §9's InvalidArgument, which
 * no client sees from AWS): more tags than allowed → `BadRequest`; an empty, too long, duplicate or
 * `aws:`-prefixed key or a too long value → `InvalidTag` (PutObjectTagging / PutBucketTagging error
 * lists; MinIO, Ceph and CloudServer answer the same). Lengths count Unicode code points, as AWS does.
 */
export function validateTags(tags: [string, string][], scope: 'object' | 'bucket'): Record<string, string> {
  if (tags.length > TAG_LIMITS[scope]) {
    throw S3Errors.BadRequest(scope === 'object' ? 'Object tags cannot be greater than 10' : 'Bucket tag count cannot be greater than 50');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of tags) {
    // S3 names the tag it refuses: <TagKey>, and <TagValue> for a bad value (LocalStack's
    // AWS-validated test_s3_api.py test_tagging_validation).
    const badKey = (message: string): Error => S3Errors.InvalidTag({ message, fields: { TagKey: k } });
    const badValue = (): Error => S3Errors.InvalidTag({ message: 'The TagValue you have provided is invalid', fields: { TagKey: k, TagValue: v } });
    const kl = [...k].length;
    if (kl === 0 || kl > TAG_LIMITS.keyChars) throw badKey('The TagKey you have provided is invalid');
    if ([...v].length > TAG_LIMITS.valueChars) throw badValue();
    // S3's tag alphabet: letters, digits, spaces and + - = . _ : / @ (tagging restrictions, User
    // Guide; the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ of API_control_S3Tag). S3 answers InvalidTag
    // for anything else: ',' (minio-go#1730, gardenlinux#3720), '(' ')' (govuk-infrastructure#1175),
    // ? * $ # ! ` ; % (versitygw's PutObjectTagging_invalid_tags and PutObject_tagging, written
    // against S3). A control character would also break GetObjectTagging's XML for strict parsers.
    if (!TAG_ALPHABET.test(k)) throw badKey('The TagKey you have provided is invalid');
    if (!TAG_ALPHABET.test(v)) throw badValue();
    // The aws: prefix is reserved for tags AWS itself sets; S3 words the refusal differently for a
    // bucket and an object (test_tagging_validation: put-bucket-tags-aws-prefixed,
    // put-object-tags-aws-prefixed).
    if (k.toLowerCase().startsWith('aws:')) throw badKey(scope === 'bucket' ? 'System tags cannot be added/updated by requester' : 'Your TagKey cannot be prefixed with aws:');
    if (Object.hasOwn(out, k)) throw badKey('Cannot provide multiple Tags with the same key');
    // setEntry: a tag key is any 1–128 characters (`__proto__` too), kept like any other.
    setEntry(out, k, v);
  }
  return out;
}

/** Parse `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` and validate it. */
export async function parseTagging(body: Buffer, scope: 'object' | 'bucket'): Promise<Record<string, string>> {
  return tagSetOf(await parseXmlAsync(body, 'Tagging'), scope);
}

/**
 * PostObject's `tagging` form field, a `<Tagging>` document as PutObjectTagging's body. A
 * well-formed document whose root is another element stores the object without tags, as S3 does
 * (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
 * TestS3PresignedPost::test_post_object_with_tags[invalid]: `<InvalidXmlTagging></InvalidXmlTagging>`
 * is 204 and the object's TagSet empty); a field that is not XML stays MalformedXML ([notxml]).
 */
export function parseFormTagging(field: string): Record<string, string> {
  // A form's fields are at most MAX_POST_PRE_DATA (20 KiB) together: parsed in this thread.
  const root = parseXmlIfRoot(field, 'Tagging');
  return root ? tagSetOf(root, 'object') : {};
}

/** The validated tags of a `<Tagging>` element's `<TagSet>` (MalformedXML without one). */
function tagSetOf(root: XmlNode, scope: 'object' | 'bucket'): Record<string, string> {
  const set = root.one('TagSet');
  if (!set) throw S3Errors.MalformedXML();
  return validateTags(tagPairs(set), scope);
}

/** The `<Tag><Key/><Value/></Tag>` children of `parent`; a Tag without Key is MalformedXML. */
function tagPairs(parent: XmlNode): [string, string][] {
  return parent.all('Tag').map((t): [string, string] => {
    const k = t.childText('Key');
    if (k === undefined) throw S3Errors.MalformedXML();
    return [k, t.childText('Value') ?? ''];
  });
}

/** `<Tagging>` of GetObjectTagging / GetBucketTagging. */
export function renderTagging(tags: Record<string, string>): string {
  return renderXml('Tagging', { TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } });
}

/**
 * Parse the `x-amz-tagging` header: a URL query string (`k1=v1&k2=v2`, form-encoded, so `+` is a
 * space here, unlike request query strings). A key given twice is refused as a malformed header
 * (InvalidArgument, the message naming "without tag name duplicates"), not with the XML tag set's
 * InvalidTag: S3 answers `--tagging 'a=&a='` so (reproduced against AWS in open-io/swift3#92;
 * versitygw#1243 and its CreateMultipartUpload_with_tagging agree). So is a pair with an empty key
 * (`=`, `=v`): `--tagging '='` is InvalidArgument there (versitygw#1215, compared with S3), where
 * a bare `&` or `key=` is accepted.
 */
export function parseTaggingHeader(header: string): Record<string, string> {
  const malformed = (): Error => S3Errors.InvalidArgument({
    message: 'The header \'x-amz-tagging\' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.',
    fields: { ArgumentName: 'x-amz-tagging', ArgumentValue: header },
  });
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const part of header.split('&')) {
    if (part === '') continue;
    // A raw ',' is no URL-encoded query string: `key1=val1,key2=val2` is this same InvalidArgument
    // with ArgumentName/ArgumentValue, not InvalidTag for a value holding ',' (LocalStack's
    // AWS-validated test_s3_api.py test_object_tagging_exc, put-obj-wrong-format).
    if (part.includes(',')) throw malformed();
    const eq = part.indexOf('=');
    let pair: [string, string];
    try {
      const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
      pair = [dec(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : dec(part.slice(eq + 1))];
    } catch {
      throw malformed();
    }
    if (pair[0] === '' || seen.has(pair[0])) throw malformed();
    seen.add(pair[0]);
    pairs.push(pair);
  }
  return validateTags(pairs, 'object');
}

/**
 * `<LocationConstraint>`: empty for us-east-1 (AWS's historical answer, which SDKs map back to
 * us-east-1), else the region name (§3).
 */
export function renderLocation(region: string): string {
  return renderXml('LocationConstraint', region === 'us-east-1' ? '' : region);
}

/**
 * Parse an optional `<CreateBucketConfiguration>` (any LocationConstraint is accepted, §3). Its
 * `<Tags>` are the new bucket's tags (API_CreateBucketConfiguration: "An array of tags that you can
 * apply to the bucket that you're creating"), validated as PutBucketTagging's. `<Bucket>` (Type
 * Directory) and `<Location>` (an Availability or Local Zone) ask for a directory bucket, which this
 * gateway has none of: NotImplemented, rather than a general purpose bucket in its place.
 */
export async function parseCreateBucket(body: Buffer): Promise<{ locationConstraint?: string; tags?: Record<string, string> }> {
  if (body.length === 0) return {};
  const root = await parseXmlAsync(body, 'CreateBucketConfiguration');
  if (root.one('Bucket') !== undefined || root.one('Location') !== undefined) throw S3Errors.NotImplemented('Directory buckets are not implemented');
  const out: { locationConstraint?: string; tags?: Record<string, string> } = {};
  const lc = root.childToken('LocationConstraint');
  if (lc) out.locationConstraint = lc;
  const tags = root.one('Tags');
  if (tags) out.tags = validateTags(tagPairs(tags), 'bucket');
  return out;
}

/** Who pays for a bucket's requests (API_RequestPaymentConfiguration.html: Payer is one of these two). */
export type Payer = 'BucketOwner' | 'Requester';

/** Parse `<RequestPaymentConfiguration><Payer>…</Payer>`: any other Payer, or none, is MalformedXML. */
export async function parseRequestPayment(body: Buffer): Promise<Payer> {
  const payer = (await parseXmlAsync(body, 'RequestPaymentConfiguration')).childToken('Payer');
  if (payer !== 'BucketOwner' && payer !== 'Requester') throw S3Errors.MalformedXML();
  return payer;
}

/** `<RequestPaymentConfiguration>` of GetBucketRequestPayment. */
export function renderRequestPayment(payer: Payer): string {
  return renderXml('RequestPaymentConfiguration', { Payer: payer });
}

/**
 * Parse `<OwnershipControls><Rule><ObjectOwnership>…</ObjectOwnership></Rule></OwnershipControls>`
 * (API_PutBucketOwnershipControls): exactly one Rule with one of the three settings, else
 * MalformedXML.
 */
export async function parseOwnershipControls(body: Buffer): Promise<ObjectOwnership> {
  const rules = (await parseXmlAsync(body, 'OwnershipControls')).all('Rule');
  const value = rules.length === 1 ? rules[0]!.childToken('ObjectOwnership') : undefined;
  if (!isObjectOwnership(value)) throw S3Errors.MalformedXML();
  return value;
}

/** `<OwnershipControls>` of GetBucketOwnershipControls. */
export function renderOwnershipControls(ownership: ObjectOwnership): string {
  return renderXml('OwnershipControls', { Rule: { ObjectOwnership: ownership } });
}

/** `<PolicyStatus>` of GetBucketPolicyStatus. */
export function renderPolicyStatus(isPublic: boolean): string {
  return renderXml('PolicyStatus', { IsPublic: isPublic });
}

/** Fixed bodies of the P1 "stubs tools call" (§3): what an unconfigured AWS bucket answers. */
export const STUB_BODIES = {
  GetBucketNotificationConfiguration: (): string => renderXml('NotificationConfiguration', {}),
  GetBucketLogging: (): string => renderXml('BucketLoggingStatus', {}),
  GetBucketAccelerateConfiguration: (): string => renderXml('AccelerateConfiguration', {}),
} as const;
