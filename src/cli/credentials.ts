/**
 * The default user of a gateway (spec README §3 "tenant", s3-surface.md §2): its keys come from
 * CCOW_ACCESS_KEY / CCOW_SECRET_KEY, or are generated once and kept in `<data>/credentials.json`
 * (mode 0600) so the next start reuses them. The tenant id is also chosen once and kept there, so
 * the default user keeps owning its buckets when its keys change.
 *
 * File format, version 1 (golden copy: test/fixtures/cli/credentials-v1.json):
 *   { "v": 1,
 *     "tenantId": "<64 lowercase hex>",
 *     "activeAccessKey": "<key the default user had at the last start>",
 *     "generated": { "accessKey": "<20 A-Z0-9>", "secretKey": "<40 A-Za-z0-9>" }   // optional
 *   }
 * `activeAccessKey` lets a start with different keys retire the previous ones from the users table.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineApi, User } from '../engine/index.js';
import { CliError } from './compose.js';

/** File name under the first data dir. */
export const CREDENTIALS_FILE = 'credentials.json';

/** Persisted state, format version 1. */
export interface CredentialsFileV1 {
  v: 1;
  tenantId: string;
  activeAccessKey: string;
  generated?: { accessKey: string; secretKey: string };
}

/** The default user's keys and where they came from. */
export interface DefaultCredentials {
  accessKey: string;
  secretKey: string;
  tenantId: string;
  source: 'env' | 'generated';
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Generated keys (s3-surface.md §2): access key 20 uppercase alphanumerics, secret 40 characters. */
export function generateKeys(): { accessKey: string; secretKey: string } {
  return { accessKey: randomString(UPPER_ALNUM, 20), secretKey: randomString(ALNUM, 40) };
}

/** A new tenant id: 64 lowercase hex (the S3 Owner/ID). */
export function newTenantId(): string {
  return randomBytes(32).toString('hex');
}

/** Read and validate the credentials file; undefined when absent. */
export async function readCredentialsFile(dataDir: string): Promise<CredentialsFileV1 | undefined> {
  const path = join(dataDir, CREDENTIALS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseCredentialsFile(text, path);
}

/** Parse format version 1; anything else is an error naming the file (never silently regenerated). */
export function parseCredentialsFile(text: string, path: string): CredentialsFileV1 {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CliError(`${path}: not valid JSON; fix it (removing it makes a new default user with a new tenant: the old one keeps its buckets and its key until \`ccow user rm\`)`);
  }
  const d = doc as Partial<CredentialsFileV1> | null;
  if (d?.v !== 1) throw new CliError(`${path}: unknown format version ${JSON.stringify(d?.v)}`);
  const okGenerated = d.generated === undefined || (typeof d.generated.accessKey === 'string' && typeof d.generated.secretKey === 'string');
  if (typeof d.tenantId !== 'string' || !/^[0-9a-f]{64}$/.test(d.tenantId) || typeof d.activeAccessKey !== 'string' || !okGenerated) {
    throw new CliError(`${path}: malformed credentials file`);
  }
  return d as CredentialsFileV1;
}

/** Name of the temp file `writeCredentialsFile` writes first (`credentials.json.<pid>.tmp`). */
const TEMP_NAME = /^credentials\.json\.\d+\.tmp$/;

/** Write the file atomically (temp file + rename) with mode 0600: it holds a secret. */
export async function writeCredentialsFile(dataDir: string, doc: CredentialsFileV1): Promise<void> {
  const path = join(dataDir, CREDENTIALS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(doc, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Decide the default user's keys, make the engine's users table agree, and persist the state.
 * Call with the data dir locked (the storage backend holds its LOCK), so two starts cannot race.
 */
export async function ensureDefaultUser(
  engine: Pick<EngineApi, 'putUser' | 'getUser' | 'deleteUser'>,
  dataDir: string,
  fromEnv: { accessKey: string; secretKey: string } | undefined,
): Promise<DefaultCredentials> {
  await removeStrayTemps(dataDir);
  const state = await readCredentialsFile(dataDir);
  const tenantId = state?.tenantId ?? newTenantId();
  const generated = state?.generated ?? (fromEnv ? undefined : generateKeys());
  const keys = fromEnv ?? generated!;
  const existing = await engine.getUser(keys.accessKey);
  if (existing && existing.tenantId !== tenantId) {
    // A setting that is wrong (README: exit status 2), like a malformed address: the key is taken.
    throw new CliError(`access key ${keys.accessKey} already belongs to user "${existing.name}"; choose another CCOW_ACCESS_KEY`, 2);
  }
  // Keys of an earlier start (e.g. CCOW_ACCESS_KEY changed) stop working: one default key pair.
  if (state && state.activeAccessKey !== keys.accessKey) await retire(engine, state.activeAccessKey, tenantId);
  // The file before the user: a start cut off in between leaves keys on disk that the next start
  // takes up (and saves the user then). The other order left, after a cut-off first start, a
  // default user whose secret was only in an unfinished temp file, and the next start generated
  // another. Retiring comes first: a cut-off start then retires again, never keeps an old key.
  const next: CredentialsFileV1 = { v: 1, tenantId, activeAccessKey: keys.accessKey, ...(generated ? { generated } : {}) };
  await writeCredentialsFile(dataDir, next);
  await engine.putUser({ accessKey: keys.accessKey, secretKey: keys.secretKey, tenantId, name: 'default' });
  return { ...keys, tenantId, source: fromEnv ? 'env' : 'generated' };
}

/**
 * Remove temp files of credentials.json that an earlier start left: one that exited between the
 * write of the temp file and its rename (a second SIGINT/SIGTERM exits at once; a crash) left it,
 * with a secret in it, for good. Called with the data dir locked, so no live writer owns one.
 */
async function removeStrayTemps(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (TEMP_NAME.test(name)) await unlink(join(dataDir, name)).catch(() => undefined);
  }
}

/** Delete a previous default key, but only if it still belongs to the default tenant. */
async function retire(engine: Pick<EngineApi, 'getUser' | 'deleteUser'>, accessKey: string, tenantId: string): Promise<void> {
  const user: User | undefined = await engine.getUser(accessKey);
  if (user?.tenantId === tenantId && user.name === 'default') await engine.deleteUser(accessKey);
}
