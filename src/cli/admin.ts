/**
 * Admin commands (spec README §2): they open the data dir themselves, so they refuse to run while a
 * gateway holds it (compose.ts turns the lock error into a clear message). Each returns the exit
 * status; output goes through `print`.
 */
import { stat } from 'node:fs/promises';
import type { FsckReport } from '../engine/index.js';
import { isValidBucketName } from '../s3/index.js';
import { checkAccessKey, checkSecretKey } from './config.js';
import { CliError, openBackend, openStack, type Stack } from './compose.js';
import { generateKeys, newTenantId, readCredentialsFile, writeCredentialsFile } from './credentials.js';

type Print = (line: string) => void;

/**
 * Admin commands work on a store that exists: `ccow serve` creates missing data dirs, but an admin
 * command given a mistyped or unmounted dir made a new, empty store there and answered for it
 * (`fsck` said "clean" with exit 0, `user ls` listed nobody, `user add` added a key no gateway
 * knew). A dir that exists (an empty one appended to add a disk) is opened as before.
 */
async function requireDataDirs(dataDirs: string[]): Promise<void> {
  for (const dir of dataDirs) {
    const missing = await stat(dir).then(() => false, (e: { code?: unknown }) => e.code === 'ENOENT');
    if (missing) throw new CliError(`data dir ${dir} does not exist (--data / CCOW_DATA); \`ccow serve\` creates a new store, admin commands do not`, 2);
  }
}

/**
 * Where an admin command finds the store: the data dirs, which it opens and closes itself, or (in
 * the gateway, admin-socket.ts) the gateway's own open stack.
 */
export interface StoreAccess {
  dataDirs: string[];
  stack?: Stack;
}

/** Run `fn` with the data dir open (the gateway's, or opened here and closed whatever happens). */
async function withStack<T>({ dataDirs, stack: live }: StoreAccess, fn: (stack: Stack) => Promise<T>): Promise<T> {
  if (live) return fn(live);
  await requireDataDirs(dataDirs);
  const stack = await openStack(dataDirs);
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

/**
 * `ccow user add NAME [--access-key K --secret-key S] [--tenant ID]`: a new user with its own
 * tenant, or with `--tenant` one more key of an existing tenant (a user's, or the owner of buckets
 * whose last key was removed): key rotation, and the way back to buckets `user rm` left keyless.
 */
export async function userAdd(
  store: StoreAccess,
  name: string,
  keys: { accessKey?: string; secretKey?: string; tenant?: string },
  print: Print,
): Promise<number> {
  if ((keys.accessKey === undefined) !== (keys.secretKey === undefined)) throw new CliError('--access-key and --secret-key must be given together', 2);
  if (keys.accessKey !== undefined) checkAccessKey(keys.accessKey);
  if (keys.secretKey !== undefined) checkSecretKey(keys.secretKey);
  if (!/^[\x20-\x7e]{1,64}$/.test(name)) throw new CliError('user name must be 1-64 printable ASCII characters', 2);
  if (keys.tenant !== undefined && !/^[0-9a-f]{64}$/.test(keys.tenant)) throw new CliError('--tenant must be a tenant id (64 lowercase hex)', 2);
  const k = keys.accessKey !== undefined && keys.secretKey !== undefined ? { accessKey: keys.accessKey, secretKey: keys.secretKey } : generateKeys();
  return withStack(store, async ({ engine }) => {
    if (await engine.getUser(k.accessKey)) throw new CliError(`access key ${k.accessKey} already exists`);
    if (keys.tenant !== undefined && !(await tenantExists(engine, keys.tenant))) throw new CliError(`no tenant ${keys.tenant} (no user and no bucket has it)`);
    const user = await engine.putUser({ ...k, name, tenantId: keys.tenant ?? newTenantId() });
    print(`user ${user.name} added`);
    print(`access key: ${user.accessKey}`);
    print(`secret key: ${user.secretKey}`);
    print(`tenant id:  ${user.tenantId}`);
    return 0;
  });
}

async function tenantExists(engine: Stack['engine'], tenant: string): Promise<boolean> {
  if ((await engine.listUsers()).some((u) => u.tenantId === tenant)) return true;
  return (await engine.listBuckets(tenant)).length > 0;
}

/** `ccow user ls`: one line per user; never a secret. */
export async function userList(store: StoreAccess, print: Print): Promise<number> {
  return withStack(store, async ({ engine }) => {
    const users = await engine.listUsers();
    print(['ACCESS KEY', 'NAME', 'TENANT ID', 'CREATED'].join('\t'));
    for (const u of users) print([u.accessKey, u.name, u.tenantId, u.createdAt.toISOString()].join('\t'));
    return 0;
  });
}

/**
 * `ccow user rm ACCESS_KEY`: exit 1 when there is no such key. Buckets belong to the tenant, not the
 * key: when the tenant's last key goes, its buckets stay (nothing is deleted) but no one can sign
 * for them any more, so say which ones and how to give the tenant a key again. The default user's
 * key is not restored by the next start (revokeDefaultKeys).
 */
export async function userRemove(store: StoreAccess, accessKey: string, print: Print): Promise<number> {
  return withStack(store, async ({ engine }) => {
    const user = await engine.getUser(accessKey);
    if (!user) throw new CliError(`no user with access key ${accessKey}`);
    const fromFile = await revokeDefaultKeys(store.dataDirs[0]!, user);
    if (!(await engine.deleteUser(accessKey))) throw new CliError(`no user with access key ${accessKey}`);
    print(`user with access key ${accessKey} removed`);
    if (fromFile !== undefined) {
      print(fromFile
        ? 'the default user gets a new key pair at the next `ccow serve` (same tenant, same buckets)'
        : 'note: this was the default user\'s key from CCOW_ACCESS_KEY; a `ccow serve` with the same CCOW_ACCESS_KEY adds it again');
      return 0;
    }
    const keysLeft = (await engine.listUsers()).some((u) => u.tenantId === user.tenantId);
    const buckets = keysLeft ? [] : await engine.listBuckets(user.tenantId);
    if (buckets.length > 0) {
      const names = buckets.slice(0, 10).map((b) => b.name).join(', ') + (buckets.length > 10 ? ', …' : '');
      print(`warning: tenant ${user.tenantId} has no access key left; its ${buckets.length} bucket(s) (${names}) are kept`);
      print(`  give it a key again with: ccow user add ${user.name} --tenant ${user.tenantId}`);
    }
    return 0;
  });
}

/**
 * When `user` is the default user (its key is credentials.json's active one), forget its generated
 * keys, so that the next `ccow serve` generates a new pair for the same tenant and retires this one.
 * `ccow serve` put the default user back from credentials.json at every start, so `user rm` of the
 * default key said "removed" and the key worked again after the next start. Returns undefined for
 * any other user, true when the generated keys were dropped, false when the key came from
 * CCOW_ACCESS_KEY (the environment, not the file, decides whether it comes back). Written before
 * the user is deleted: a crash in between leaves a file whose next start retires the key anyway.
 */
async function revokeDefaultKeys(dataDir: string, user: { accessKey: string; tenantId: string; name: string }): Promise<boolean | undefined> {
  // Other users never depend on the file (a damaged one must not stop their removal).
  if (user.name !== 'default') return undefined;
  const state = await readCredentialsFile(dataDir);
  if (state?.activeAccessKey !== user.accessKey || state.tenantId !== user.tenantId) return undefined;
  if (state.generated?.accessKey !== user.accessKey) return false;
  await writeCredentialsFile(dataDir, { v: 1, tenantId: state.tenantId, activeAccessKey: state.activeAccessKey });
  return true;
}

/** `ccow fsck`: prints the report; exit 0 only when it is clean. */
export async function fsck(dataDirs: string[], print: Print): Promise<number> {
  return withStack({ dataDirs }, async ({ engine }) => {
    const report = await engine.fsck();
    for (const line of formatFsck(report)) print(line);
    return isClean(report) ? 0 : 1;
  });
}

/** True when the audit found nothing wrong. */
export function isClean(r: FsckReport): boolean {
  return r.missing.length === 0 && r.corrupt.length === 0 && r.leaked.length === 0 && r.danglingRefs.length === 0 && r.missingRefs.length === 0 && r.indexErrors.length === 0;
}

/** Human-readable fsck report. */
export function formatFsck(r: FsckReport): string[] {
  const lines = [`chunks checked: ${r.chunksChecked}`];
  const sections: [string, string[]][] = [['missing', r.missing], ['corrupt', r.corrupt], ['leaked', r.leaked], ['dangling refs', r.danglingRefs], ['missing refs', r.missingRefs], ['index errors', r.indexErrors]];
  for (const [label, ids] of sections) {
    lines.push(`${label}: ${ids.length}`);
    for (const id of ids) lines.push(`  ${id}`);
  }
  if (r.damaged.length > 0) {
    // What an operator needs: which objects cannot be read (uploading the same content again repairs them).
    lines.push(`damaged objects: ${r.damaged.length}`);
    for (const d of r.damaged) lines.push(`  ${d.bucket}/${d.key} (version ${d.versionId})`);
  }
  lines.push(isClean(r) ? 'clean' : 'NOT CLEAN');
  return lines;
}

/**
 * `ccow gc [--grace SECONDS]`: collect now; the grace overrides the hold (ccow.md §9). Also removes
 * orphan chunk files (§13 recovery: bytes a killed gateway stored whose chunk row never committed):
 * GC only visits chunks that have a row, so without the sweep they stayed until a gateway ran its
 * orphan sweep, `ccow fsck` called them leaked, and on a full disk their space stayed taken. The
 * admin process holds the data dir's lock, so no writer can be between a put and its row.
 */
export async function gc(dataDirs: string[], graceSeconds: number | undefined, print: Print): Promise<number> {
  if (graceSeconds !== undefined && (!Number.isFinite(graceSeconds) || graceSeconds < 0)) throw new CliError('--grace must be a number of seconds >= 0', 2);
  return withStack({ dataDirs }, async ({ engine }) => {
    const deleted = await engine.gc(graceSeconds === undefined ? {} : { graceMs: graceSeconds * 1000 });
    const orphans = await engine.sweepOrphans();
    print(`gc: ${deleted} chunk(s) deleted`);
    print(`gc: ${orphans} orphan chunk file(s) removed`);
    return 0;
  });
}

/**
 * `ccow compact [--scratch DIR]`: give the free pages of the metadata store (LMDB) back to the
 * disk, offline. The gateway does it by itself when the disk is past the fill limit and that brings
 * it back under (at start, and online when a chunk write is refused), if a data disk has room for
 * the copy; this is the manual way, whatever the fill, and `--scratch` (a directory on another
 * file system) is for when no data disk has that room. Only the storage is opened (not the
 * engine): compaction is below it. Costs a copy of the live pages.
 */
export async function compact(dataDirs: string[], scratch: string | undefined, print: Print): Promise<number> {
  await requireDataDirs(dataDirs);
  const backend = await openBackend(dataDirs, { compactOnOpen: false });
  try {
    const r = await backend.compact(scratch === undefined ? {} : { scratch });
    if (!r.compacted) throw new CliError(`compact: not done: ${r.reason ?? 'unknown reason'}${scratch === undefined ? ' (--scratch DIR)' : ''}`);
    print(`compact: metadata store ${formatBytes(r.beforeBytes)} -> ${formatBytes(r.afterBytes)} (${formatBytes(r.beforeBytes - r.afterBytes)} given back)`);
    return 0;
  } finally {
    await backend.close();
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/**
 * An engine error of a snapshot command (no such bucket or snapshot, a name taken, a snapshot in
 * use) is the operator's answer, not a bug: its message alone, exit 1.
 */
async function engineAnswer<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CCOW_ERR_')) throw new CliError((e as Error).message, 1);
    throw e;
  }
}

/** `ccow snapshot create BUCKET NAME` (ccow.md §10): a read-only, point-in-time view of the bucket. */
export async function snapshotCreate(store: StoreAccess, bucket: string, name: string, print: Print): Promise<number> {
  return withStack(store, async ({ engine }) => {
    const s = await engineAnswer(engine.snapshotCreate(bucket, name));
    print(`snapshot ${s.name} of ${s.bucket} created (cut-off version id ${s.uvid})`);
    return 0;
  });
}

/** `ccow snapshot ls BUCKET`: name, cut-off version id and creation time of each snapshot. */
export async function snapshotList(store: StoreAccess, bucket: string, print: Print): Promise<number> {
  return withStack(store, async ({ engine }) => {
    const all = await engineAnswer(engine.snapshotList(bucket));
    print(['NAME', 'CUT-OFF VERSION ID', 'CREATED'].join('\t'));
    for (const s of all) print([s.name, s.uvid, s.createdAt.toISOString()].join('\t'));
    return 0;
  });
}

/** `ccow snapshot rm BUCKET NAME`: what only the snapshot kept becomes garbage (collected after the hold). */
export async function snapshotRemove(store: StoreAccess, bucket: string, name: string, print: Print): Promise<number> {
  return withStack(store, async ({ engine }) => {
    await engineAnswer(engine.snapshotDelete(bucket, name));
    print(`snapshot ${name} of ${bucket} removed`);
    return 0;
  });
}

/**
 * `ccow snapshot clone BUCKET NAME NEW_BUCKET [--owner TENANT]`: a new bucket holding the snapshot's
 * view, no payload copied (engine bucketClone). The new name must be one S3 clients can address
 * (the CreateBucket rules); the owner defaults to the source bucket's.
 */
export async function snapshotClone(store: StoreAccess, bucket: string, name: string, newBucket: string, owner: string | undefined, print: Print): Promise<number> {
  if (!isValidBucketName(newBucket)) throw new CliError(`invalid bucket name "${newBucket}" (S3 bucket naming rules: 3-63 characters of a-z, 0-9, '.' and '-')`, 2);
  return withStack(store, async ({ engine }) => {
    if (owner !== undefined && !(await tenantExists(engine, owner))) throw new CliError(`no user has tenant id ${owner} (ccow user ls)`, 2);
    const b = await engineAnswer(engine.bucketClone(bucket, name, newBucket, owner === undefined ? {} : { owner }));
    const stats = await engine.bucketStats(b.name);
    print(`bucket ${b.name} cloned from snapshot ${name} of ${bucket}: ${stats.objects} object(s), no data copied`);
    return 0;
  });
}

/**
 * The admin commands a running gateway runs for the CLI (admin-socket.ts) when it holds the data
 * dir: managing users and snapshots must not need downtime. fsck, gc and compact stay offline
 * (they walk or rewrite the whole store).
 */
export const ONLINE_COMMANDS = { userAdd, userList, userRemove, snapshotCreate, snapshotList, snapshotRemove, snapshotClone } as const;

/** The name of an online-capable admin command. */
export type OnlineCommand = keyof typeof ONLINE_COMMANDS;
