/**
 * The change feed (shared/spec/ccow.md §14): one record per committed version, purge, metadata
 * change and bucket change, appended in the same transaction as the change, keyed by u64 seq.
 */
import type { MetaStore, MetaTx } from '../storage/contract/index.js';
import type { FeedRecord } from './api.js';
import { EngineErrors } from './errors.js';
import { decodeCursorRecord, decodeFeedRecord, decodeSnapshotRecord, encodeCursorRecord, encodeFeedRecord, type FeedRecordBody } from './format/records.js';
import { cursorKey, feedKey, seqOfFeedKey, T } from './keys.js';
import { uvidToVersionId } from './uvid.js';
import { fromHex } from '../common/index.js';

const FEED_LO = Buffer.from([T.FEED]);
const FEED_HI = Buffer.from([T.FEED + 1]);
const BSNAP_LO = Buffer.from([T.BSNAP]);
const BSNAP_HI = Buffer.from([T.BSNAP + 1]);
const CURSOR_LO = Buffer.from([T.CURSOR]);
const CURSOR_HI = Buffer.from([T.CURSOR + 1]);

/** The last sequence number used (0n when the feed is empty), read inside `tx`. */
export function lastSeq(tx: MetaTx): bigint {
  for (const [k] of tx.range({ gte: FEED_LO, lt: FEED_HI, reverse: true, limit: 1 })) return seqOfFeedKey(k);
  return 0n;
}

/**
 * The last seq some append wrote, in this process. Only a hint: it is checked against the
 * transaction's own view (record `h` present, `h + 1` absent: appends are contiguous at the top, so
 * `h` is the last), which two point reads do for a fraction of a reverse cursor scan, the cost of
 * every small put's commit before. A rolled-back append, another engine in the process or a
 * trimmed feed make the check fail, and the scan decides.
 */
let lastHint: bigint | undefined;

function lastSeqHinted(tx: MetaTx): bigint {
  const h = lastHint;
  if (h !== undefined && tx.get(feedKey(h)) !== undefined && tx.get(feedKey(h + 1n)) === undefined) return h;
  return lastSeq(tx);
}

/**
 * The stored body of `r` at `seq`, its members in canonical (code-unit) order so that encoding it
 * copies nothing; every put appends one. The mapped type makes the compiler insist on every member
 * of FeedRecordBody; absent ones are undefined, which canonical JSON drops.
 */
function feedBody(r: Omit<FeedRecordBody, 'seq'>, seq: bigint): FeedRecordBody {
  const body: { [K in keyof FeedRecordBody]-?: unknown } = {
    at: r.at,
    bucket: r.bucket,
    deleted: r.deleted,
    etag: r.etag,
    generation: r.generation,
    key: r.key,
    op: r.op,
    originSegment: r.originSegment,
    seq: seq.toString(),
    size: r.size,
    tenant: r.tenant,
    uvid: r.uvid,
    viaIsgw: r.viaIsgw,
    vmId: r.vmId,
  };
  return body as FeedRecordBody;
}

/** Append records in order; returns the first seq used. */
export function appendFeed(tx: MetaTx, records: Omit<FeedRecordBody, 'seq'>[]): bigint {
  let seq = lastSeqHinted(tx);
  const first = seq + 1n;
  for (const r of records) {
    seq++;
    tx.put(feedKey(seq), encodeFeedRecord(feedBody(r, seq)));
  }
  lastHint = seq;
  return first;
}

/** Records with seq ≥ fromSeq, at most `limit`. */
export async function readFeed(meta: MetaStore, fromSeq: bigint, limit: number): Promise<FeedRecord[]> {
  const out: FeedRecord[] = [];
  if (limit <= 0) return out;
  for await (const [, v] of meta.range({ gte: feedKey(fromSeq < 0n ? 0n : fromSeq), lt: FEED_HI, limit })) {
    out.push(toFeedRecord(decodeFeedRecord(v)));
  }
  return out;
}

function toFeedRecord(b: FeedRecordBody): FeedRecord {
  const r: FeedRecord = { seq: BigInt(b.seq), op: b.op, bucket: b.bucket, viaIsgw: b.viaIsgw, at: b.at };
  if (b.tenant !== undefined) r.tenant = b.tenant;
  if (b.key !== undefined) r.key = b.key;
  if (b.uvid !== undefined) r.uvid = uvidToVersionId(fromHex(b.uvid));
  if (b.vmId !== undefined) r.vmId = b.vmId;
  if (b.generation !== undefined) r.generation = b.generation;
  if (b.deleted !== undefined) r.deleted = b.deleted;
  if (b.size !== undefined) r.size = b.size;
  if (b.etag !== undefined) r.etag = b.etag;
  if (b.originSegment !== undefined) r.originSegment = b.originSegment;
  return r;
}

/**
 * Consumer cursors (§14): a consumer (ISGW, a listing cache) names itself and moves its cursor to
 * the first seq it has not processed; feed retention keeps every record some cursor has not passed
 * (up to the hard cap). A cursor only moves forward: a stale writer cannot move it back.
 */
export async function setCursor(meta: MetaStore, name: string, seq: bigint, now: number): Promise<bigint> {
  checkCursor(name, seq);
  return meta.transaction((tx) => {
    const raw = tx.get(cursorKey(name));
    const cur = raw ? BigInt(decodeCursorRecord(raw).seq) : 0n;
    const next = seq > cur ? seq : cur;
    tx.put(cursorKey(name), encodeCursorRecord({ seq: next.toString(), updatedAt: Math.floor(now) }));
    return next;
  }, { grows: true });
}

/** The cursor of `name`, or undefined when it is not registered. */
export async function getCursor(meta: MetaStore, name: string): Promise<bigint | undefined> {
  checkCursor(name, 0n);
  const raw = await meta.get(cursorKey(name));
  return raw ? BigInt(decodeCursorRecord(raw).seq) : undefined;
}

/** Unregister a consumer: retention no longer waits for it. */
export async function deleteCursor(meta: MetaStore, name: string): Promise<void> {
  checkCursor(name, 0n);
  await meta.transaction((tx) => tx.del(cursorKey(name)));
}

/** The smallest registered cursor (undefined without consumers). */
export async function minCursor(meta: MetaStore): Promise<bigint | undefined> {
  let min: bigint | undefined;
  for await (const [, v] of meta.range({ gte: CURSOR_LO, lt: CURSOR_HI })) {
    const s = BigInt(decodeCursorRecord(v).seq);
    if (min === undefined || s < min) min = s;
  }
  return min;
}

function checkCursor(name: string, seq: bigint): void {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 256) throw EngineErrors.INVALID_ARGUMENT('cursor name must be 1..256 bytes');
  if (seq < 0n || seq > 0xffffffffffffffffn) throw EngineErrors.INVALID_ARGUMENT('cursor seq out of range');
}

/**
 * The UVID floor at start (ccow.md §6): the largest `ts` the store has issued or seen, so a clock
 * that went back across a restart cannot issue a UVID at or below one already in use. The newest
 * feed record alone is not enough: a purge or metadata record names an older version's UVID, and
 * records of one commit are not in UVID order, so this takes the largest UVID `ts` and event time
 * (`at`, µs; a hiding purge records its `hiddenAt` there) over the last records. Snapshot
 * cut-offs, which no feed record carries, are scanned too (few rows per bucket).
 */
export async function feedFloorTs(meta: MetaStore): Promise<bigint> {
  let max = 0n;
  for await (const [, v] of meta.range({ gte: FEED_LO, lt: FEED_HI, reverse: true, limit: 4096 })) {
    const r = decodeFeedRecord(v);
    if (r.uvid) max = maxBig(max, fromHex(r.uvid).readBigUInt64BE(0));
    if (Number.isSafeInteger(r.at) && r.at > 0) max = maxBig(max, BigInt(r.at));
  }
  for await (const [, v] of meta.range({ gte: BSNAP_LO, lt: BSNAP_HI })) max = maxBig(max, fromHex(decodeSnapshotRecord(v).uvid).readBigUInt64BE(0));
  return max;
}

const maxBig = (a: bigint, b: bigint): bigint => (b > a ? b : a);
