/**
 * `<AccessControlPolicy>` of Get/Put{Bucket,Object}Acl (shared/spec/s3-surface.md §8; AWS API
 * reference GetBucketAcl / PutBucketAcl).
 */
import { CANONICAL_ID, groupGrantee, ownerFirst, type Grant, type Permission, type StoredAcl } from '../acl.js';
import { S3Errors } from '../errors.js';
import { decodeEntities, parseXmlAsync, renderXml, type XmlNode, type XmlObject } from './codec.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const PERMS = new Set<string>(['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL']);
/** The grantee types of S3's schema (API reference, Grantee: `xsi:type`). */
const GRANTEE_TYPES = new Set<string>(['CanonicalUser', 'AmazonCustomerByEmail', 'Group']);

/** Render a stored ACL; `nameOf` maps tenant ids to display names. */
export function renderAcl(acl: StoredAcl, nameOf: (tenantId: string) => string): string {
  return renderXml('AccessControlPolicy', {
    Owner: { ID: acl.owner, DisplayName: nameOf(acl.owner) },
    AccessControlList: { Grant: ownerFirst(acl).map((g) => grantXml(g, nameOf)) },
  });
}

function grantXml(g: Grant, nameOf: (tenantId: string) => string): XmlObject {
  const grantee: XmlObject = g.grantee.type === 'CanonicalUser'
    ? { '@xmlns:xsi': XSI, '@xsi:type': 'CanonicalUser', ID: g.grantee.id, DisplayName: nameOf(g.grantee.id) }
    : { '@xmlns:xsi': XSI, '@xsi:type': 'Group', URI: g.grantee.uri };
  return { Grantee: grantee, Permission: g.permission };
}

/**
 * Parse an `<AccessControlPolicy>` body. The grantee type is read from its children (ID →
 * CanonicalUser, URI → Group, EmailAddress → NotImplemented), so the `xsi:type` attribute is not
 * needed; one that is given must name a type of the schema (S3 refuses `xsi:type="Canonical User"`
 * with MalformedACLError: aws-sdk-go#917; versitygw PutBucketAcl_invalid_grantee_type_in_body).
 * `owner` is the resource's current owner: a different `Owner/ID` is AccessDenied, as AWS, unless
 * it is not a canonical id at all: that is InvalidArgument "Invalid id", ArgumentName
 * `CanonicalUser/ID` (LocalStack's AWS recordings, tests/aws/services/s3/test_s3.snapshot.json
 * test_s3_bucket_acl_exceptions put-bucket-acp-acl-3: `<Owner><ID>wrong-id</ID>`).
 * A document S3's schema refuses — no `Owner`, no `AccessControlList`, a misspelt permission, a
 * grantee without ID or URI, not XML at all — is MalformedACLError, as S3 answers (aws-sdk-ruby#787,
 * aws-sdk-go#917); no body at all (and no ACL header, checked before) is MissingSecurityHeader,
 * naming `x-amz-acl` in MissingHeaderName as S3 does (same recordings, put-bucket-empty).
 */
export async function parseAcl(body: Buffer, owner: string): Promise<StoredAcl> {
  if (body.length === 0) throw S3Errors.MissingSecurityHeader({ fields: { MissingHeaderName: 'x-amz-acl' } });
  let root: XmlNode;
  try {
    root = await parseXmlAsync(body, 'AccessControlPolicy');
  } catch (e) {
    throw S3Errors.MalformedXML.is(e) ? S3Errors.MalformedACLError() : e;
  }
  if (!granteeTypesKnown(body.toString('utf8'))) throw S3Errors.MalformedACLError();
  const ownerId = root.one('Owner')?.childToken('ID');
  if (ownerId === undefined) throw S3Errors.MalformedACLError();
  if (ownerId !== owner) {
    if (!CANONICAL_ID.test(ownerId)) throw S3Errors.InvalidArgument({ message: 'Invalid id', fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: ownerId } });
    throw S3Errors.AccessDenied();
  }
  const list = root.one('AccessControlList');
  if (!list) throw S3Errors.MalformedACLError();
  const grants = list.all('Grant').map((g): Grant => {
    const grantee = g.one('Grantee');
    const permission = g.childToken('Permission');
    if (!grantee || permission === undefined || !PERMS.has(permission)) throw S3Errors.MalformedACLError();
    if (grantee.childToken('EmailAddress') !== undefined) throw S3Errors.NotImplemented('Grants by email address are not implemented');
    const id = grantee.childToken('ID');
    const uri = grantee.childToken('URI');
    if (id !== undefined) return { grantee: { type: 'CanonicalUser', id }, permission: permission as Permission };
    if (uri !== undefined) return { grantee: groupGrantee(uri), permission: permission as Permission };
    throw S3Errors.MalformedACLError();
  });
  return { v: 1, owner, grants };
}

/**
 * Whether every `type` attribute of a `<Grantee>` start tag (`xsi:type`, whatever the prefix) is
 * a grantee type of the schema. The parser drops attributes, so the start tags are read from the
 * (already well-formed) text.
 */
function granteeTypesKnown(text: string): boolean {
  for (const tag of text.matchAll(/<(?:[\w.-]+:)?Grantee(\s[^>]*)?>/g)) {
    for (const a of (tag[1] ?? '').matchAll(/\s([\w.-]+):type\s*=\s*(["'])(.*?)\2/g)) {
      if (a[1] === 'xmlns') continue;
      let value: string;
      try {
        value = decodeEntities(a[3]!);
      } catch {
        return false;
      }
      if (!GRANTEE_TYPES.has(value)) return false;
    }
  }
  return true;
}
