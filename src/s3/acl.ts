/**
 * ACL-lite (shared/spec/s3-surface.md §8): canned ACLs, `x-amz-grant-*` headers, grant evaluation.
 * The stored form (bucket config `acl`, version `acl`) is `StoredAcl`, tagged `v: 1`.
 */
import { S3Errors } from './errors.js';

/** ACL permissions; FULL_CONTROL implies the other four. */
export type Permission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';

/** Every permission, in AWS order. */
export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

/**
 * Group URIs of the predefined groups ACL-lite supports. LogDelivery (S3 server access logging) is
 * accepted and stored so that `log-delivery-write` and grants to it work as in AWS (Terraform and
 * CloudFormation set them on logging buckets); there is no log delivery here, so it matches no
 * caller.
 */
export const GROUPS = {
  AllUsers: 'http://acs.amazonaws.com/groups/global/AllUsers',
  AuthenticatedUsers: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
  LogDelivery: 'http://acs.amazonaws.com/groups/s3/LogDelivery',
} as const;

/** Who a grant is for: a tenant (CanonicalUser, ID = tenant id) or a group. */
export type Grantee = { type: 'CanonicalUser'; id: string } | { type: 'Group'; uri: string };

/** One grant. */
export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

/** The persisted ACL of a bucket or version. */
export interface StoredAcl {
  v: 1;
  /** Tenant id of the owner. */
  owner: string;
  grants: Grant[];
}

/** Canned ACL names (§8). */
export const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'] as const;

/** One canned ACL name. */
export type CannedAcl = (typeof CANNED_ACLS)[number];

const user = (id: string, permission: Permission): Grant => ({ grantee: { type: 'CanonicalUser', id }, permission });
const group = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });

/**
 * Expand a canned ACL to its grants (AWS "Canned ACL" table). `bucketOwner` matters only for the
 * `bucket-owner-*` ACLs of objects; on a bucket they equal `private`.
 */
export function cannedAcl(name: string, owner: string, bucketOwner = owner): StoredAcl {
  const grants: Grant[] = [user(owner, 'FULL_CONTROL')];
  switch (name) {
    case 'private':
      break;
    case 'public-read':
      grants.push(group(GROUPS.AllUsers, 'READ'));
      break;
    case 'public-read-write':
      grants.push(group(GROUPS.AllUsers, 'READ'), group(GROUPS.AllUsers, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(group(GROUPS.AuthenticatedUsers, 'READ'));
      break;
    case 'bucket-owner-read':
      if (bucketOwner !== owner) grants.push(user(bucketOwner, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner !== owner) grants.push(user(bucketOwner, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      // AWS "Canned ACL" table: "The LogDelivery group gets WRITE and READ_ACP permissions on the bucket."
      grants.push(group(GROUPS.LogDelivery, 'WRITE'), group(GROUPS.LogDelivery, 'READ_ACP'));
      break;
    default:
      throw S3Errors.InvalidArgument({ message: 'Invalid canned ACL', fields: { ArgumentName: 'x-amz-acl', ArgumentValue: name } });
  }
  return { v: 1, owner, grants };
}

const GRANT_HEADERS: readonly [string, Permission][] = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

/**
 * The ACL a request asks for through `x-amz-acl` or `x-amz-grant-*` (§8), or undefined when it
 * names none. Both at once → InvalidRequest; an `emailAddress` grantee → NotImplemented. Canonical
 * ids are checked against the known tenants by the caller (validateGrantees).
 */
export function aclFromHeaders(h: Record<string, string | undefined>, owner: string, bucketOwner = owner): StoredAcl | undefined {
  const canned = h['x-amz-acl'];
  const grantHeaders = GRANT_HEADERS.filter(([name]) => h[name] !== undefined);
  if (canned !== undefined && grantHeaders.length > 0) {
    throw S3Errors.InvalidRequest('Specifying both Canned ACLs and Header Grants is not allowed');
  }
  if (canned !== undefined) return cannedAcl(canned.trim(), owner, bucketOwner);
  if (grantHeaders.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [name, permission] of grantHeaders) {
    for (const g of parseGrantList(name, h[name]!)) grants.push({ grantee: g, permission });
  }
  return { v: 1, owner, grants };
}

/**
 * A canonical user id as S3 writes them: 64 hex digits (our tenant ids are 64 lowercase hex, §8).
 * One of another shape is refused as "Invalid id" before it is looked up.
 */
export const CANONICAL_ID = /^[0-9a-f]{64}$/i;

/**
 * Parse the `id="…", uri="…"` list of grant header `name`. The errors carry S3's ArgumentName and
 * ArgumentValue (LocalStack's AWS recordings, tests/aws/services/s3/test_s3.snapshot.json
 * test_s3_bucket_acl_exceptions / test_s3_object_acl_exceptions): an item that is not
 * `id=`/`uri=`/`emailAddress=` → "Argument format not recognized" naming the header and its value;
 * a malformed id → "Invalid id" (ArgumentName `id`); an unknown group → "Invalid group uri"
 * (ArgumentName `uri`).
 */
function parseGrantList(name: string, value: string): Grantee[] {
  const out: Grantee[] = [];
  for (const item of value.split(',')) {
    const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(item);
    if (!m) throw S3Errors.InvalidArgument({ message: 'Argument format not recognized', fields: { ArgumentName: name, ArgumentValue: value } });
    const kind = m[1]!.toLowerCase();
    const v = m[2]!;
    if (kind === 'emailaddress') throw S3Errors.NotImplemented('Grants by email address are not implemented');
    if (kind === 'id' && !CANONICAL_ID.test(v)) throw S3Errors.InvalidArgument({ message: 'Invalid id', fields: { ArgumentName: 'id', ArgumentValue: v } });
    out.push(kind === 'id' ? { type: 'CanonicalUser', id: v } : groupGrantee(v, 'uri'));
  }
  return out;
}

/**
 * A Group grantee: AllUsers, AuthenticatedUsers or LogDelivery. Another URI is InvalidArgument
 * "Invalid group uri" with ArgumentName `argumentName`: `Group/URI` in an AccessControlPolicy
 * body, `uri` in a grant header (AWS recordings, as parseGrantList).
 */
export function groupGrantee(uri: string, argumentName = 'Group/URI'): Grantee {
  if (uri !== GROUPS.AllUsers && uri !== GROUPS.AuthenticatedUsers && uri !== GROUPS.LogDelivery) {
    throw S3Errors.InvalidArgument({ message: 'Invalid group uri', fields: { ArgumentName: argumentName, ArgumentValue: uri } });
  }
  return { type: 'Group', uri };
}

/** Unknown canonical ids → 400 InvalidArgument (§8). */
export function validateGrantees(acl: StoredAcl, isKnownTenant: (id: string) => boolean): void {
  for (const g of acl.grants) {
    if (g.grantee.type === 'CanonicalUser' && !isKnownTenant(g.grantee.id)) {
      throw S3Errors.InvalidArgument({ message: 'Invalid id', fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: g.grantee.id } });
    }
  }
}

/** Whether `acl` grants `permission` to the caller (`tenant` undefined = anonymous). */
export function aclAllows(acl: StoredAcl | undefined, tenant: string | undefined, permission: Permission): boolean {
  if (!acl) return false;
  return acl.grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    if (g.grantee.type === 'CanonicalUser') return tenant !== undefined && g.grantee.id === tenant;
    if (g.grantee.uri === GROUPS.AllUsers) return true;
    // LogDelivery matches no caller: no log delivery service exists here.
    return g.grantee.uri === GROUPS.AuthenticatedUsers && tenant !== undefined;
  });
}

/** Read a stored ACL back (undefined for anything that is not a v1 ACL). */
export function asStoredAcl(v: unknown): StoredAcl | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const a = v as Partial<StoredAcl>;
  return a.v === 1 && typeof a.owner === 'string' && Array.isArray(a.grants) ? (a as StoredAcl) : undefined;
}

/** Grants with the owner's FULL_CONTROL first, as Get*Acl renders them (§8). */
export function ownerFirst(acl: StoredAcl): Grant[] {
  const isOwnerFull = (g: Grant): boolean =>
    g.permission === 'FULL_CONTROL' && g.grantee.type === 'CanonicalUser' && g.grantee.id === acl.owner;
  return [...acl.grants.filter(isOwnerFull), ...acl.grants.filter((g) => !isOwnerFull(g))];
}
