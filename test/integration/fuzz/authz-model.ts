/**
 * Reference model of who may do what (issue #4), for authz-model.test.ts. Written from the contract
 * (shared/spec/s3-surface.md §8, its evaluation order: explicit Deny in the bucket policy → 403;
 * the bucket owner's tenant → allow; Allow in the bucket policy → allow; an ACL grant → allow; else
 * 403 AccessDenied) and, where §8 is silent, from AWS's documents:
 *
 * - "How Amazon S3 authorizes a request" and IAM "Policy evaluation logic": an explicit Deny in any
 *   applicable statement overrides every Allow; no applicable Allow is an implicit deny.
 * - "Mapping of ACL permissions and access policy permissions" (ACL overview): bucket READ →
 *   s3:ListBucket, s3:ListBucketVersions, s3:ListBucketMultipartUploads; bucket WRITE →
 *   s3:PutObject, s3:DeleteObject (s3:DeleteObjectVersion only when the grantee is the bucket
 *   owner); READ_ACP / WRITE_ACP → s3:Get/PutBucketAcl, s3:Get/PutObjectAcl (+Version); object READ
 *   → s3:GetObject, s3:GetObjectVersion. Tagging and bucket configurations are in no ACL permission.
 * - API_GetObject "Permissions": a missing key is 404 NoSuchKey to a caller with s3:ListBucket and
 *   403 AccessDenied to the others.
 * - API_GetObjectAttributes: s3:GetObjectAttributes and s3:GetObject (s3:GetObjectVersionAttributes
 *   and s3:GetObjectVersion with a versionId).
 * - API_PutBucketPolicy / Get / Delete: the bucket owner always, even when the policy denies it;
 *   another caller holding the permission gets 405 MethodNotAllowed, one without it 403.
 * - API_PutObject: x-amz-acl / x-amz-grant-* also need s3:PutObjectAcl, x-amz-tagging
 *   s3:PutObjectTagging.
 * - Object Ownership (user guide "Controlling ownership of objects"): BucketOwnerEnforced disables
 *   ACLs (only bucket-owner-full-control ACLs may be sent, else 400 AccessControlListNotSupported);
 *   BucketOwnerPreferred makes a write with bucket-owner-full-control the bucket owner's.
 *
 * The model is deliberately plain: one world (bucket, objects, ACLs, policy) and a function per
 * kind of request that says which answer the contract gives. The generator is a seeded PRNG so a
 * seed replays a world exactly.
 */

export type User = 'alice' | 'bob' | 'carol';
export type Who = User | 'anon';
export const USERS: readonly User[] = ['alice', 'bob', 'carol'];
export const WHOS: readonly Who[] = ['alice', 'bob', 'carol', 'anon'];

export type Perm = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';
export type GranteeM = User | 'AllUsers' | 'AuthenticatedUsers';
export interface GrantM {
  to: GranteeM;
  perm: Perm;
}

export type Ownership = 'none' | 'ObjectWriter' | 'BucketOwnerPreferred' | 'BucketOwnerEnforced';

/** How a principal is written in a policy. */
export type PrincipalForm = 'tenant' | 'key' | 'root' | 'user' | 'canonical';
export interface StatementM {
  effect: 'Allow' | 'Deny';
  principals: '*' | { who: User; form: PrincipalForm }[];
  actions: string[];
  resources: string[];
}

export interface VersionM {
  /** Filled from the gateway once written. */
  vid: string;
  owner: User;
  /** Grants that matter (those to the bucket owner dropped: the owner has full access anyway). */
  grants: GrantM[];
  deleteMarker: boolean;
}

export interface WorldM {
  bucket: string;
  owner: User;
  versioned: boolean;
  ownership: Ownership;
  /** The bucket ACL as set: canned name or explicit grants. */
  bucketAcl: { canned?: string; grants: GrantM[] };
  policy?: StatementM[];
  tagging: boolean;
  cors: boolean;
  /**
   * Requester Pays (PutBucketRequestPayment): anyone but the owner must send
   * `x-amz-request-payer: requester`, else 403; anonymous requests are refused (RequesterPaysBuckets.html).
   */
  requesterPays: boolean;
  /** key → versions, oldest first. */
  objects: Map<string, VersionM[]>;
  /** Upload ids the model knows to exist in the bucket. */
  uploads: Set<string>;
}

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: small, seedable, good enough to pick worlds. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  some<T>(xs: readonly T[], max: number): T[] {
    const n = 1 + this.int(max);
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      const x = this.pick(xs);
      if (!out.includes(x)) out.push(x);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Canned ACLs (AWS "Canned ACL" table), model form

export const BUCKET_CANNED = ['private', 'public-read', 'public-read-write', 'authenticated-read'] as const;
export const OBJECT_CANNED = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control'] as const;

/** The grants of a canned ACL owned by `owner` in a bucket of `bucketOwner`, those to the bucket owner dropped. */
export function cannedGrants(name: string, owner: User, bucketOwner: User): GrantM[] {
  const g: GrantM[] = [{ to: owner, perm: 'FULL_CONTROL' }];
  if (name === 'public-read') g.push({ to: 'AllUsers', perm: 'READ' });
  if (name === 'public-read-write') g.push({ to: 'AllUsers', perm: 'READ' }, { to: 'AllUsers', perm: 'WRITE' });
  if (name === 'authenticated-read') g.push({ to: 'AuthenticatedUsers', perm: 'READ' });
  // bucket-owner-read / -full-control add grants to the bucket owner only: dropped below.
  return g.filter((x) => x.to !== bucketOwner);
}

export function grantsAllow(grants: readonly GrantM[], who: Who, perm: Perm): boolean {
  return grants.some((g) => (g.perm === perm || g.perm === 'FULL_CONTROL')
    && (g.to === 'AllUsers' || (g.to === 'AuthenticatedUsers' && who !== 'anon') || g.to === who));
}

// ---------------------------------------------------------------------------------------------
// Policy evaluation ("Policy evaluation logic": explicit deny > allow > implicit deny)

/** `*` any run, `?` one character: dynamic programming (an independent matcher). */
export function globMatch(pattern: string, value: string): boolean {
  let row = new Array<boolean>(value.length + 1).fill(false);
  row[0] = true;
  for (const c of pattern) {
    const next = new Array<boolean>(value.length + 1).fill(false);
    if (c === '*') {
      let any = false;
      for (let j = 0; j <= value.length; j++) {
        any ||= row[j]!;
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= value.length; j++) next[j] = row[j - 1]! && (c === '?' || c === value[j - 1]);
    }
    row = next;
  }
  return row[value.length]!;
}

export const arn = (bucket: string, key?: string): string => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);

export function evalPolicy(w: WorldM, who: Who, action: string, key: string | undefined): 'allow' | 'deny' | 'none' {
  if (!w.policy) return 'none';
  const res = arn(w.bucket, key);
  let allowed = false;
  for (const s of w.policy) {
    const p = s.principals === '*' || (who !== 'anon' && s.principals.some((x) => x.who === who));
    if (!p) continue;
    if (!s.actions.some((a) => globMatch(a.toLowerCase(), action.toLowerCase()))) continue;
    if (!s.resources.some((r) => globMatch(r, res))) continue;
    if (s.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

// ---------------------------------------------------------------------------------------------
// Decisions

export const enforced = (w: WorldM): boolean => w.ownership === 'BucketOwnerEnforced';

/** The bucket ACL grants that count (none with ACLs disabled). */
export const bucketGrants = (w: WorldM): GrantM[] => (enforced(w) ? [] : w.bucketAcl.grants);

/** What an ACL grant must give for an action: on the bucket ACL or the addressed version's. */
export type AclNeed = { on: 'bucket'; perm: Perm } | { on: 'object'; perm: Perm };

/** §8 order for one action. `version` is the addressed version for object ACLs (undefined: none). */
export function decide(w: WorldM, who: Who, action: string, key: string | undefined, need?: AclNeed, version?: VersionM): boolean {
  const v = evalPolicy(w, who, action, key);
  if (v === 'deny') return false;
  if (who === w.owner) return true;
  if (v === 'allow') return true;
  if (!need || enforced(w)) return false;
  if (need.on === 'bucket') return grantsAllow(bucketGrants(w), who, need.perm);
  return version !== undefined && !version.deleteMarker && grantsAllow(version.grants, who, need.perm);
}

export const mayList = (w: WorldM, who: Who): boolean => decide(w, who, 's3:ListBucket', undefined, { on: 'bucket', perm: 'READ' });

/** An expected answer. `ok` = any 2xx (the exact success status is not what this fuzz is about). */
export type Expect = { ok: true } | { notDenied: true } | { status: number; code?: string };
export const OK: Expect = { ok: true };
export const DENIED: Expect = { status: 403, code: 'AccessDenied' };
export const NO_KEY: Expect = { status: 404, code: 'NoSuchKey' };
export const METHOD_NOT_ALLOWED: Expect = { status: 405, code: 'MethodNotAllowed' };

/** The current version of a key (undefined when absent or a delete marker is current). */
export function current(w: WorldM, key: string): VersionM | undefined {
  const vs = w.objects.get(key);
  const last = vs?.[vs.length - 1];
  return last && !last.deleteMarker ? last : undefined;
}

/**
 * A request on one object version: every action in `actions` must pass (§8 order each); the
 * object ACL (when `perm` is given) is the addressed version's. A missing target: a caller who got
 * past the policy and ownership checks, or whose check reached the object ACL (there is none),
 * gets 404 when it may list the bucket, else 403 (API_GetObject "Permissions"); `conceal` false
 * (writes, copies) answers 404 to a caller the policy or ownership allowed.
 */
export function objectRequest(w: WorldM, who: Who, actions: string[], key: string, target: VersionM | undefined, perm: Perm | undefined, conceal: boolean, markerHead405 = false): Expect {
  const missing = target === undefined || target.deleteMarker;
  for (const a of actions) {
    const v = evalPolicy(w, who, a, key);
    if (v === 'deny') return DENIED;
    if (who === w.owner || v === 'allow') continue;
    if (perm && !enforced(w)) {
      if (missing) return mayList(w, who) ? NO_KEY : DENIED;
      if (grantsAllow(target.grants, who, perm)) continue;
    }
    return DENIED;
  }
  // The object tagging requests on a key whose current version is a delete marker: 405
  // MethodNotAllowed, ResourceType DeleteMarker, once authorised (LocalStack's AWS-validated
  // test_s3_api.py test_object_tagging_versioned; the gateway since 3b0ae16).
  if (markerHead405 && w.objects.get(key)?.at(-1)?.deleteMarker === true) return METHOD_NOT_ALLOWED;
  if (missing) return !conceal || mayList(w, who) ? NO_KEY : DENIED;
  return OK;
}

/** The version a `versionId` names, or undefined. */
export function versionOf(w: WorldM, key: string, vid: string): VersionM | undefined {
  return w.objects.get(key)?.find((v) => v.vid === vid);
}

/** The ACL a request names: `x-amz-acl`, or explicit grants (x-amz-grant-* headers / an AccessControlPolicy body). */
export interface AclArg {
  canned?: string;
  grants?: GrantM[];
}

/**
 * Whether ACLs disabled (BucketOwnerEnforced) accept this ACL: only bucket-owner-full-control, or
 * grants of FULL_CONTROL to the bucket owner and nobody else (API_PutObject; ownership.ts).
 */
export function acceptedWhenDisabled(w: WorldM, acl: AclArg): boolean {
  if (acl.canned !== undefined) return acl.canned === 'bucket-owner-full-control';
  const g = acl.grants ?? [];
  return g.length > 0 && g.every((x) => x.to === w.owner && x.perm === 'FULL_CONTROL');
}

/**
 * A write of a new version (PutObject, CopyObject destination, CreateMultipartUpload, PostObject):
 * s3:PutObject with bucket WRITE; an ACL also s3:PutObjectAcl, `x-amz-tagging` s3:PutObjectTagging,
 * which the bucket owner and a bucket-WRITE grantee hold unless denied, others only by an Allow
 * (API_PutObject "Permissions"); ACLs disabled refuse any ACL but the bucket owner's full control
 * (400, after authorisation).
 */
export function writeRequest(w: WorldM, who: Who, key: string, acl: AclArg | undefined, tagging: boolean): Expect {
  if (!decide(w, who, 's3:PutObject', key, { on: 'bucket', perm: 'WRITE' })) return DENIED;
  const asOwner = who === w.owner || grantsAllow(bucketGrants(w), who, 'WRITE');
  const extra = [...(acl !== undefined ? ['s3:PutObjectAcl'] : []), ...(tagging ? ['s3:PutObjectTagging'] : [])];
  for (const a of extra) {
    const v = evalPolicy(w, who, a, key);
    if (v === 'deny' || (v !== 'allow' && !asOwner)) return DENIED;
  }
  if (enforced(w) && acl !== undefined && !acceptedWhenDisabled(w, acl)) return { status: 400, code: 'AccessControlListNotSupported' };
  return OK;
}

/** Owner and grants of the version such a write creates (an anonymous writer's is the bucket owner's). */
export function writtenVersion(w: WorldM, who: Who, acl: AclArg | undefined): Omit<VersionM, 'vid'> {
  const writer: User = who === 'anon' ? w.owner : who;
  if (enforced(w)) return { owner: w.owner, grants: [], deleteMarker: false };
  if (w.ownership === 'BucketOwnerPreferred' && acl?.canned === 'bucket-owner-full-control') return { owner: w.owner, grants: [], deleteMarker: false };
  if (acl?.canned !== undefined) return { owner: writer, grants: cannedGrants(acl.canned, writer, w.owner), deleteMarker: false };
  if (acl?.grants !== undefined) return { owner: writer, grants: explicitGrants(acl.grants, w.owner), deleteMarker: false };
  return { owner: writer, grants: writer === w.owner ? [] : [{ to: writer, perm: 'FULL_CONTROL' }], deleteMarker: false };
}

/**
 * A request on the bucket policy itself (API_PutBucketPolicy "Permissions"): the owner always;
 * another caller with the permission 405 MethodNotAllowed, without it 403.
 */
export function policyAdmin(w: WorldM, who: Who, action: string): Expect | 'owner' {
  if (who === w.owner) return 'owner';
  return evalPolicy(w, who, action, undefined) === 'allow' ? { status: 405, code: 'MethodNotAllowed' } : DENIED;
}

/**
 * AbortMultipartUpload and ListParts (s3:AbortMultipartUpload, s3:ListMultipartUploadParts): "By
 * default, the bucket owner and the initiator of the multipart upload are allowed to perform this
 * action" / "The initiator of the multipart upload has the permission to list parts of the specific
 * multipart upload" (user guide, "Multipart upload API and permissions", mpuAndPermissions.html);
 * anyone else needs the action (policy, or bucket WRITE as the router's table maps it). An explicit
 * Deny binds the initiator too (§8: Deny first).
 */
export function uploadRequest(w: WorldM, who: Who, action: string, key: string, initiator: Who): boolean {
  if (who !== 'anon' && who === initiator && evalPolicy(w, who, action, key) !== 'deny') return true;
  return decide(w, who, action, key, { on: 'bucket', perm: 'WRITE' });
}

// ---------------------------------------------------------------------------------------------
// World generator

/** Keys of every world; one not ASCII, with a space (policies match the decoded key). */
export const KEYS = ['k0', 'pub/k1', 'dir/k2', 'dir/sub/k3', 'pub/é k4'];
export const MISSING_KEY = 'dir/none';

const POLICY_ACTIONS = [
  's3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:ListBucket',
  's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:GetObjectAcl', 's3:PutObjectAcl', 's3:GetObjectVersionAcl',
  's3:GetObjectTagging', 's3:PutObjectTagging', 's3:DeleteObjectTagging', 's3:GetObjectAttributes', 's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts', 's3:GetBucketAcl', 's3:PutBucketAcl', 's3:GetBucketPolicy', 's3:PutBucketPolicy',
  's3:DeleteBucketPolicy', 's3:GetBucketVersioning', 's3:PutBucketVersioning', 's3:GetBucketTagging', 's3:PutBucketTagging',
  's3:GetBucketCORS', 's3:PutBucketCORS', 's3:GetBucketOwnershipControls', 's3:PutBucketOwnershipControls', 's3:DeleteBucket',
  's3:GetBucketLocation', 's3:GetBucketPolicyStatus', 's3:GetLifecycleConfiguration', 's3:GetBucketLogging', 's3:GetBucketPublicAccessBlock',
  's3:*', '*', 's3:Get*', 's3:Put*', 's3:List*', 's3:*Object', 's3:*Acl', 's3:*Tagging', 's3:Delete*', 's3:GetObject*', 's3:*Version*',
];

/** Which resource type a written-out action applies to (Service Authorization Reference for S3). */
const BUCKET_TYPED = /^s3:(ListBucket|ListBucketVersions|ListBucketMultipartUploads|GetBucket\w*|PutBucket\w*|DeleteBucketPolicy|DeleteBucket|GetLifecycleConfiguration)$/;

export function actionTargetM(a: string): 'bucket' | 'object' | 'wild' {
  if (/[*?]/.test(a)) return 'wild';
  return BUCKET_TYPED.test(a) ? 'bucket' : 'object';
}

function principalsOf(r: Rng, owner: User): StatementM['principals'] {
  if (r.chance(0.35)) return '*';
  const who = r.some([...USERS, owner], 2);
  return who.map((u) => ({ who: u, form: r.pick(['tenant', 'key', 'root', 'user', 'canonical'] as const) }));
}

function statementOf(r: Rng, w: { bucket: string; owner: User }): StatementM {
  // The shapes operators write most (a writer allowed s3:PutObject only, a reader s3:GetObject +
  // s3:ListBucket), so that their consequences (uploads of a writer, misses of a reader) come up often.
  if (r.chance(0.3)) {
    const writer = r.chance(0.5);
    return {
      effect: 'Allow',
      principals: principalsOf(r, w.owner),
      actions: writer ? ['s3:PutObject'] : ['s3:GetObject', 's3:ListBucket'],
      resources: writer ? [`arn:aws:s3:::${w.bucket}/*`] : [`arn:aws:s3:::${w.bucket}`, `arn:aws:s3:::${w.bucket}/*`],
    };
  }
  const actions = r.some(POLICY_ACTIONS, 3);
  const objRes = [`${w.bucket}/*`, `${w.bucket}/pub/*`, `${w.bucket}/dir/*`, `${w.bucket}/k?`, `${w.bucket}/dir/sub*`, `${w.bucket}/*k*`, `${w.bucket}/k0`];
  const resources = r.some([w.bucket, ...objRes], 2);
  // Every written-out action must apply to one of the resources (PutBucketPolicy refuses it otherwise).
  if (actions.some((a) => actionTargetM(a) === 'bucket') && !resources.includes(w.bucket)) resources.push(w.bucket);
  if (actions.some((a) => actionTargetM(a) === 'object') && !resources.some((x) => x !== w.bucket)) resources.push(r.pick(objRes));
  return { effect: r.chance(0.7) ? 'Allow' : 'Deny', principals: principalsOf(r, w.owner), actions, resources: resources.map((x) => `arn:aws:s3:::${x}`) };
}

/** How each object of the world is written at setup. */
export interface ObjectSetup {
  key: string;
  writer: User;
  canned?: string;
  /** Explicit grants (x-amz-grant-* headers) instead of a canned ACL. */
  grants?: GrantM[];
  /** Versioned worlds: an older version written first, by this writer with this canned ACL. */
  older?: { writer: User; canned?: string };
}

export interface WorldSetup {
  world: WorldM;
  objects: ObjectSetup[];
  /** Bucket ACL sent as grant headers, or an AccessControlPolicy body, instead of canned. */
  aclForm: 'canned' | 'headers' | 'xml';
}

export function randomGrants(r: Rng, owner: User, canDropOwner: boolean): GrantM[] {
  const out: GrantM[] = canDropOwner && r.chance(0.3) ? [] : [{ to: owner, perm: 'FULL_CONTROL' }];
  const n = r.int(3) + 1;
  for (let i = 0; i < n; i++) {
    out.push({ to: r.pick(['bob', 'carol', 'alice', 'AllUsers', 'AuthenticatedUsers'] as const), perm: r.pick(['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'] as const) });
  }
  return out;
}

export function generateWorld(seed: number, bucket: string): WorldSetup {
  const r = new Rng(seed);
  const owner: User = r.chance(0.7) ? 'alice' : 'bob';
  const versioned = r.chance(0.5);
  const ownership = r.pick(['none', 'none', 'ObjectWriter', 'BucketOwnerPreferred', 'BucketOwnerEnforced'] as const);
  const aclForm = ownership === 'BucketOwnerEnforced' ? 'canned' : r.pick(['canned', 'canned', 'headers', 'xml'] as const);
  let bucketAcl: WorldM['bucketAcl'];
  if (ownership === 'BucketOwnerEnforced') bucketAcl = { canned: 'private', grants: [] };
  else if (aclForm === 'canned') {
    const c = r.pick(BUCKET_CANNED);
    bucketAcl = { canned: c, grants: cannedGrants(c, owner, owner) };
  } else bucketAcl = { grants: randomGrants(r, owner, false).filter((g) => g.to !== owner) };
  const world: WorldM = {
    bucket, owner, versioned, ownership, bucketAcl,
    tagging: r.chance(0.5), cors: r.chance(0.5), requesterPays: r.chance(0.15), objects: new Map(), uploads: new Set(),
  };
  if (r.chance(0.85)) {
    const n = 1 + r.int(4);
    world.policy = Array.from({ length: n }, () => statementOf(r, world));
  }
  const objects: ObjectSetup[] = KEYS.map((key) => {
    const writer: User = r.chance(0.6) ? owner : r.pick(USERS.filter((u) => u !== owner));
    const o: ObjectSetup = { key, writer };
    if (ownership === 'BucketOwnerEnforced') {
      if (r.chance(0.3)) o.canned = 'bucket-owner-full-control';
    } else if (r.chance(0.6)) o.canned = r.pick(OBJECT_CANNED);
    else if (r.chance(0.4)) o.grants = randomGrants(r, writer, true);
    if (versioned && r.chance(0.5)) {
      const w2: User = r.chance(0.5) ? owner : r.pick(USERS.filter((u) => u !== owner));
      o.older = { writer: w2, ...(ownership !== 'BucketOwnerEnforced' && r.chance(0.6) ? { canned: r.pick(OBJECT_CANNED) } : {}) };
    }
    return o;
  });
  return { world, objects, aclForm };
}

/** The grants a version written with explicit grant headers gets (those to the bucket owner dropped). */
export function explicitGrants(grants: GrantM[], bucketOwner: User): GrantM[] {
  return grants.filter((g) => g.to !== bucketOwner);
}

/** A policy document of the model's statements, principals written in the form each names. */
export function policyJson(w: WorldM, ids: Record<User, { tenantId: string; accessKey: string; name: string }>): string {
  const st = (w.policy ?? []).map((s, i) => {
    // "*" and {"AWS": "*"} are the same principal (IAM JSON policy elements: Principal).
    let principal: unknown = i % 2 === 0 ? '*' : { AWS: '*' };
    if (s.principals !== '*') {
      const aws: string[] = [];
      const canonical: string[] = [];
      for (const p of s.principals) {
        const u = ids[p.who];
        if (p.form === 'tenant') aws.push(u.tenantId);
        else if (p.form === 'key') aws.push(u.accessKey);
        else if (p.form === 'root') aws.push(`arn:aws:iam::${u.tenantId}:root`);
        else if (p.form === 'user') aws.push(`arn:aws:iam::${u.tenantId}:user/${u.name}`);
        else canonical.push(u.tenantId);
      }
      principal = { ...(aws.length ? { AWS: aws } : {}), ...(canonical.length ? { CanonicalUser: canonical } : {}) };
    }
    // Action names are case-insensitive ("The prefix and the action name are case insensitive"): every third statement is written in odd case.
    const actions = i % 3 === 2 ? s.actions.map((a) => a.replace(/[a-z]/g, (ch, at: number) => (at % 2 ? ch.toUpperCase() : ch))) : s.actions;
    return { Sid: `s${i}`, Effect: s.effect, Principal: principal, Action: actions, Resource: s.resources };
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: st });
}

/** A one-line description of a world (for failure messages). */
export function describeWorld(w: WorldM): string {
  const objs = [...w.objects].map(([k, vs]) => `${k}:[${vs.map((v) => `${v.deleteMarker ? 'DM' : ''}${v.owner}{${v.grants.map((g) => `${g.to}:${g.perm}`).join(',')}}`).join(' ')}]`).join(' ');
  const pol = w.policy?.map((s) => `${s.effect} ${s.principals === '*' ? '*' : s.principals.map((p) => `${p.who}(${p.form})`).join('+')} ${s.actions.join('|')} ${s.resources.map((x) => x.replace('arn:aws:s3:::', '')).join('|')}`).join('; ') ?? 'none';
  return `owner=${w.owner}${w.requesterPays ? ' requester-pays' : ''} versioned=${w.versioned} ownership=${w.ownership} bucketAcl=${w.bucketAcl.canned ?? ''}{${w.bucketAcl.grants.map((g) => `${g.to}:${g.perm}`).join(',')}} tagging=${w.tagging} cors=${w.cors}\n  policy: ${pol}\n  objects: ${objs}`;
}
