/**
 * The identity of a local backend's data dirs (shared/spec/ccow.md §17: "the first dir holds
 * meta/"). The chunk files of a dir are known only through the metadata store in the first dir, so
 * a wrong list of dirs hides or loses data: listed in another order, a new empty store was made in
 * the wrong dir and the orphan sweep deleted every chunk file; a dir left out made its chunks
 * unreadable (reads and the scrub then quarantined them, reporting damage that was not there); a
 * dir of another store listed as a second dir was read from and swept.
 *
 * So the dirs form a set with an identity. Each holds a marker file, `CCOW-DISK` (format
 * `ccow-disk/1`, golden fixture test/fixtures/storage/disk-marker-v1.txt): the set's id (random,
 * made when the store is created or adopted), the dir's own id, how the set began (`created`, or
 * `adopted` from a store of a version without markers) and the members, each as id and the path it
 * was last opened at; the first member holds the metadata store. The first dir's marker is also
 * recorded in the metadata store (LMDB database `disks`), which is authoritative: a marker's own
 * member list is only used when that record is missing (a crash before it was written).
 *
 * On open, before anything can act on the dirs (`checkBeforeMeta` before LMDB is opened, which
 * would create `meta/` in a wrong first dir; `settleDataDirs` before tmp/ and scratch dirs are
 * emptied, a compaction or the sweeps run), every rule below holds or the open fails with
 * StorageErrors.DATA_DIRS naming the dir and what to do:
 * - only the first dir holds `meta/`, and the first dir is its set's first member;
 * - every listed dir with a marker belongs to the first dir's set, each member once;
 * - every member of the set is listed;
 * - a dir without a marker that holds chunk files does not join an existing set: it may be a dir
 *   of another store (made before markers existed), whose chunk files the orphan sweep would delete.
 * A listed dir without a marker and without chunk files joins the set (adding a disk). A store
 * without markers anywhere (made by an older version) is adopted with every dir listed, chunk
 * files or not; `origin` says so (for diagnostics: a dir of that store left out at that first
 * open cannot be told from a dir of another store later, and is refused). A member found at a new path keeps its place (the recorded
 * path is updated). Markers are written durably (temp file, fsync, rename, fsync of the dir): new
 * members' first, then the record, then the others', so a crash in between leaves a state the
 * next open completes (a marker of this set whose id the record lacks is a join that did not finish).
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageErrors } from '../contract/index.js';
import { writeFileDurably } from './durable-file.js';
import { errnoCode, mapFsError, mapLmdbError } from './fs-errors.js';
import type { BinaryDb } from './lmdb-env.js';

/** The marker's file name in each data dir. */
export const DISK_MARKER = 'CCOW-DISK';
/** First line of a marker: the format and its version. */
const MARKER_FORMAT = 'ccow-disk/1';
/** Key of the set record in the LMDB `disks` database. */
const RECORD_KEY = Buffer.from('set');
const ID = /^[0-9a-f]{32}$/;

/** One member of a data dir set: its id and the path it was last opened at. */
export interface DiskMember {
  id: string;
  path: string;
}

/** A data dir's marker (the first dir's is also the set record in the metadata store). */
export interface DiskMarker {
  /** The set's id: 32 hex digits. */
  set: string;
  /** This dir's id: 32 hex digits, one of `members`. */
  disk: string;
  /** `created` with markers, or `adopted` from a store made by a version without them (diagnostics). */
  origin: 'created' | 'adopted';
  /** The members; the first holds the metadata store. */
  members: DiskMember[];
}

/** The marker as text: `ccow-disk/1`, then one `name value` line each (paths as JSON strings). */
export function encodeDiskMarker(m: DiskMarker): string {
  const lines = [MARKER_FORMAT, `set ${m.set}`, `disk ${m.disk}`, `origin ${m.origin}`];
  for (const x of m.members) lines.push(`member ${x.id} ${JSON.stringify(x.path)}`);
  return lines.join('\n') + '\n';
}

/** A marker from its text; DATA_DIRS naming `where` when it is not one this code writes. */
export function decodeDiskMarker(text: string, where: string): DiskMarker {
  const bad = (why: string): Error => StorageErrors.DATA_DIRS(`${where} is not a data dir marker this version can read (${why}; expected ${MARKER_FORMAT}): restore it from the dir's backup, or remove it if the dir is empty`);
  const lines = text.split('\n');
  if (lines[0] !== MARKER_FORMAT) throw bad(`format ${JSON.stringify((lines[0] ?? '').slice(0, 32))}`);
  if (lines.at(-1) !== '') throw bad('no final newline');
  const field = (i: number, name: string): string => {
    const [k, v] = splitOnce(lines[i] ?? '');
    if (k !== name) throw bad(`line ${i + 1} is not "${name}"`);
    return v;
  };
  const set = field(1, 'set');
  const disk = field(2, 'disk');
  const origin = field(3, 'origin');
  if (!ID.test(set) || !ID.test(disk)) throw bad('an id is not 32 hex digits');
  if (origin !== 'created' && origin !== 'adopted') throw bad(`origin ${JSON.stringify(origin)}`);
  const members: DiskMember[] = [];
  for (let i = 4; i < lines.length - 1; i++) {
    const [id, path] = splitOnce(field(i, 'member'));
    let p: unknown;
    try {
      p = JSON.parse(path);
    } catch {
      p = undefined;
    }
    if (!ID.test(id) || typeof p !== 'string' || p === '') throw bad(`member line ${i + 1}`);
    members.push({ id, path: p });
  }
  if (members.length === 0 || !members.some((x) => x.id === disk) || new Set(members.map((x) => x.id)).size !== members.length) {
    throw bad('its member list does not name this dir once');
  }
  return { set, disk, origin, members };
}

function splitOnce(s: string): [string, string] {
  const i = s.indexOf(' ');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** What a listed data dir holds, read before anything is changed. */
export interface DirSurvey {
  path: string;
  marker: DiskMarker | undefined;
  /** A `meta/` directory (a metadata store) is there. */
  hasMeta: boolean;
  /** `chunks/` has entries (chunk files, or their directories). */
  hasChunks: boolean;
}

/** Read each dir's marker, and whether it holds `meta/` and chunk files. Changes nothing. */
export async function surveyDirs(dirs: readonly string[]): Promise<DirSurvey[]> {
  const out: DirSurvey[] = [];
  for (const path of dirs) {
    try {
      const file = join(path, DISK_MARKER);
      const text = await readFile(file, 'utf8').catch((e: unknown) => {
        if (errnoCode(e) === 'ENOENT') return undefined;
        throw e;
      });
      const marker = text === undefined ? undefined : decodeDiskMarker(text, file);
      const hasMeta = (await stat(join(path, 'meta')).catch(() => undefined))?.isDirectory() ?? false;
      const hasChunks = (await readdir(join(path, 'chunks')).catch(() => [] as string[])).length > 0;
      out.push({ path, marker, hasMeta, hasChunks });
    } catch (e) {
      throw mapFsError(e, `reading data dir ${path}`);
    }
  }
  return out;
}

/** The paths of a set's members, in order, for messages. */
function listed(m: DiskMarker): string {
  return m.members.map((x) => x.path).join(',');
}

/** What to do when the order is wrong. */
function inOrder(m: DiskMarker | undefined): string {
  return m ? `list the data dirs in their original order: ${listed(m)}` : 'list the data dirs in their original order (the dir with meta/ first)';
}

/**
 * The rules that need no metadata store, checked before it is opened (opening it creates `meta/`
 * in the first dir): only the first dir holds `meta/`; a first dir without `meta/` is a new store's,
 * so no later dir may hold chunk files or a marker; a first dir with a marker is its set's first
 * member; no member is listed twice (a copy of a dir).
 */
export function checkBeforeMeta(dirs: readonly DirSurvey[]): void {
  const [first, ...rest] = dirs;
  if (!first) return;
  for (const d of rest) {
    if (d.hasMeta) {
      throw StorageErrors.DATA_DIRS(`data dir ${d.path} holds a metadata store (meta/) but is not the first data dir: the first data dir holds the metadata; ${inOrder(d.marker)}`);
    }
  }
  const seen = new Map<string, string>();
  for (const d of dirs) {
    if (!d.marker) continue;
    const key = `${d.marker.set}/${d.marker.disk}`;
    const twin = seen.get(key);
    if (twin !== undefined) {
      throw StorageErrors.DATA_DIRS(`data dirs ${twin} and ${d.path} carry the same ${DISK_MARKER} marker: one is a copy of the other; list only the original`);
    }
    seen.set(key, d.path);
  }
  const m0 = first.marker;
  if (m0 && m0.members[0]!.id !== m0.disk) {
    const n = m0.members.findIndex((x) => x.id === m0.disk) + 1;
    throw StorageErrors.DATA_DIRS(`data dir ${first.path} is data dir ${n} of ${m0.members.length} of its store, whose metadata store (meta/) is in ${m0.members[0]!.path}, not the first: ${inOrder(m0)}`);
  }
  if (first.hasMeta) return;
  if (m0) {
    throw StorageErrors.DATA_DIRS(`data dir ${first.path} is the first data dir of a store (${DISK_MARKER}) but its metadata store (meta/) is missing: restore meta/ from a backup; a new, empty store is not started over existing data dirs (to start afresh, empty every data dir)`);
  }
  for (const d of rest) {
    if (d.hasChunks) {
      throw StorageErrors.DATA_DIRS(`data dir ${d.path} holds chunk files but the first data dir ${first.path} has no metadata store (meta/): ${inOrder(d.marker)}`);
    }
    if (d.marker) {
      throw StorageErrors.DATA_DIRS(`data dir ${d.path} belongs to a store whose metadata store is in ${d.marker.members[0]!.path}, but the first data dir ${first.path} has no metadata store (meta/): ${inOrder(d.marker)}`);
    }
  }
}

/** The writes that bring markers and record up to date, in the order they must happen. */
interface SetPlan {
  record: DiskMarker;
  /** Dirs joining (markers written before the record), then members whose marker is stale. */
  joining: { path: string; marker: DiskMarker }[];
  stale: { path: string; marker: DiskMarker }[];
  writeRecord: boolean;
}

/** A fresh random id (set or disk). */
function newId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The set the listed dirs form, given the record from the metadata store (`undefined` when none),
 * and what must be written; DATA_DIRS when a rule is broken. `metaExisted`: the first dir held
 * `meta/` before this open (a store without a record or markers is then adopted, else created).
 * `empty`: ids of members not listed that `unlistedEmpty` found holding no chunk files.
 * Pure: decides only.
 */
export function planDataDirs(dirs: readonly DirSurvey[], record: DiskMarker | undefined, metaExisted: boolean, empty: ReadonlySet<string> = new Set()): SetPlan {
  const first = dirs[0]!;
  const m0 = first.marker;
  if (record && m0 && (m0.set !== record.set || m0.disk !== record.disk)) {
    throw StorageErrors.DATA_DIRS(`data dir ${first.path}: its ${DISK_MARKER} marker is not the one its metadata store records (data dir set ${record.set}): it was copied from another store; remove ${join(first.path, DISK_MARKER)} and it is written again from the metadata store`);
  }
  const known = record ?? m0;
  if (!known) {
    // No record and no marker in the first dir: a store that never had markers (or a new one).
    const other = dirs.slice(1).find((d) => d.marker);
    if (other) {
      throw StorageErrors.DATA_DIRS(`data dir ${other.path} belongs to another ccow store (its metadata store is in ${other.marker!.members[0]!.path}), not to the store of ${first.path}: remove it from the data dirs`);
    }
  }
  const set = known?.set ?? newId();
  const origin = known?.origin ?? (metaExisted ? 'adopted' : 'created');
  let members: DiskMember[] = known ? known.members.map((x) => ({ ...x })) : [];
  const idOf = new Map<number, string>();
  const fresh = new Set<number>();
  dirs.forEach((d, i) => {
    // The first dir holds the metadata store, so it is the set's first member, marker or not.
    if (i === 0 && known) {
      idOf.set(0, members[0]!.id);
      return;
    }
    if (d.marker) {
      if (d.marker.set !== set) {
        throw StorageErrors.DATA_DIRS(`data dir ${d.path} belongs to another ccow store (data dir set ${d.marker.set}, whose metadata store is in ${d.marker.members[0]!.path}), not to the store of ${first.path} (set ${set}): remove it from the data dirs`);
      }
      idOf.set(i, d.marker.disk);
      return;
    }
    // A dir that lost its marker but sits where a member was last opened is that member.
    const byPath = members.find((x) => x.path === d.path);
    if (byPath && !dirs.some((o) => o.marker?.disk === byPath.id)) {
      idOf.set(i, byPath.id);
      return;
    }
    if (i > 0 && d.hasChunks && known) {
      throw StorageErrors.DATA_DIRS(`data dir ${d.path} holds chunk files but is not one of this store's data dirs (no ${DISK_MARKER} marker; the store's are ${members.map((x) => x.path).join(',')}): it may belong to another store; remove it from the data dirs, or empty it to add it as a new one`);
    }
    idOf.set(i, newId());
    fresh.add(i);
  });
  const present = new Set(idOf.values());
  if (present.size !== dirs.length) {
    const twins = dirs.filter((_, i) => [...idOf.values()].filter((v) => v === idOf.get(i)).length > 1).map((d) => d.path);
    throw StorageErrors.DATA_DIRS(`data dirs ${twins.join(' and ')} are the same member of this store (one carries a copy of the other's ${DISK_MARKER} marker): list only the original`);
  }
  // Every recorded member must be listed: its chunks are readable nowhere else.
  // Except one that is still at its recorded path with its marker and without chunk files: it
  // leaves the set (nothing of the store is there; a dir appended by mistake is not kept forever).
  const missing = members.filter((x) => !present.has(x.id) && !empty.has(x.id));
  if (missing.length > 0) {
    const all = members.map((x) => x.path).join(',');
    throw StorageErrors.DATA_DIRS(`data dir ${missing.map((x) => x.path).join(', ')} of this store (data dir set ${set}) is not among the data dirs given (${dirs.map((d) => d.path).join(',')}): the chunk files there would be unreadable; list every data dir of the store, the one with meta/ first: ${all}`);
  }
  members = members.filter((x) => present.has(x.id));
  // Listed members take their current paths; joiners (and members of an unfinished join) follow.
  dirs.forEach((d, i) => {
    const id = idOf.get(i)!;
    const m = members.find((x) => x.id === id);
    if (m) m.path = d.path;
    else members.push({ id, path: d.path });
  });
  const recordNow: DiskMarker = { set, disk: members[0]!.id, origin, members };
  const text = encodeDiskMarker(recordNow);
  const joining: SetPlan['joining'] = [];
  const stale: SetPlan['stale'] = [];
  dirs.forEach((d, i) => {
    const marker = { ...recordNow, disk: idOf.get(i)! };
    if (fresh.has(i) || !d.marker) joining.push({ path: d.path, marker });
    else if (encodeDiskMarker(d.marker) !== encodeDiskMarker(marker)) stale.push({ path: d.path, marker });
  });
  return { record: recordNow, joining, stale, writeRecord: !record || encodeDiskMarker(record) !== text };
}

/** Read the set record from the metadata store's `disks` database. */
export function readSetRecord(db: BinaryDb, where: string): DiskMarker | undefined {
  const raw = db.get(RECORD_KEY);
  return raw ? decodeDiskMarker(raw.toString('utf8'), `the data dir set record in ${where}`) : undefined;
}

/**
 * Check the listed dirs against the set (`planDataDirs`) and bring markers and record up to date:
 * markers of joining dirs first, then the record, then the members' markers that are stale.
 */
export async function settleDataDirs(db: BinaryDb, dirs: readonly DirSurvey[], metaExisted: boolean, where: string): Promise<DiskMarker> {
  const record = readSetRecord(db, where);
  const plan = planDataDirs(dirs, record, metaExisted, await unlistedEmpty(dirs, record ?? dirs[0]!.marker));
  for (const j of plan.joining) await writeMarker(j.path, j.marker);
  if (plan.writeRecord) {
    await db.put(RECORD_KEY, Buffer.from(encodeDiskMarker(plan.record))).catch(async (e: unknown) => Promise.reject(await mapLmdbError(e, 'recording the data dir set')));
  }
  for (const s of plan.stale) await writeMarker(s.path, s.marker);
  return plan.record;
}

/**
 * The members of `known` that are not listed (by marker, or by path for a dir without one) and
 * whose recorded path still holds their marker and no chunk files (a dir that cannot be read
 * there counts as holding some). Only read: the dir is not this process's (no LOCK taken).
 */
async function unlistedEmpty(dirs: readonly DirSurvey[], known: DiskMarker | undefined): Promise<Set<string>> {
  const out = new Set<string>();
  if (!known) return out;
  for (const m of known.members.slice(1)) {
    if (dirs.some((d) => d.marker?.disk === m.id || (!d.marker && d.path === m.path))) continue;
    const [there] = await surveyDirs([m.path]).catch(() => [undefined]);
    if (there?.marker?.set === known.set && there.marker.disk === m.id && !there.hasChunks && !there.hasMeta) out.add(m.id);
  }
  return out;
}

/** Write `dir`'s marker durably: temp file, fsync, rename, fsync of the dir. */
async function writeMarker(dir: string, m: DiskMarker): Promise<void> {
  const file = join(dir, DISK_MARKER);
  try {
    await writeFileDurably(file, encodeDiskMarker(m));
  } catch (e) {
    throw mapFsError(e, `writing ${file}`);
  }
}
