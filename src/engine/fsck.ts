/**
 * Audit (shared/spec/ccow.md §9 "mark and sweep", `ccow fsck`): mark every chunk reachable from the
 * name indexes (snapshot-hidden entries included), live intents and upload parts; check that every
 * reachable manifest and payload exists and hashes to its id, that every back-reference points at a
 * chunk row and at a live referrer, that every reachable chunk holds the back-reference its live
 * parent implies (without it, GC would take the chunk while in use), and report chunks nobody
 * reaches once their hold has passed. Reports only; never deletes.
 */
import { chunkIdHex, chunkIdOf, compareBytes, fromHex, toHex, type ChunkId } from '../common/index.js';
import type { FsckReport } from './api.js';
import type { Core } from './core.js';
import { derivedIndexReady, type DerivedIndex } from './derived.js';
import { decodeCm } from './format/cm.js';
import { ChunkKind, ChunkLoc, decodeBucketRecord, decodeChunkRow, decodePartRecord, decodeUploadRecord, decodeVersionValue, type ChunkRow } from './format/records.js';
import { versionIdOf } from './resolve.js';
import { RefKind, type ChunkRef } from './format/ref.js';
import { decodeVm } from './format/vm.js';
import { blobKey, chunkKey, decodeObjectKey, ID16, idOfKey, intentKey, ownerKey, prefixRange, quietKeyOfNiKey, refKey, Referrer, referrer, Sub, subOfChunkKey, T, uvidOfNiKey } from './keys.js';
import { CHUNK_ID_BYTES } from '../common/index.js';

const table = (t: number): { gte: Buffer; lt?: Buffer } => prefixRange(Buffer.from([t]));

class Audit {
  readonly report: FsckReport = { chunksChecked: 0, missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [], damaged: [], indexErrors: [] };
  /** Hex ids reachable from live roots, whatever they were reached as (a leak is a row nobody reaches). */
  readonly reached = new Set<string>();
  /**
   * Per id and the kind it was reached as ('p' payload, 'm' CM, 'v' VM, then the hex id): whether it
   * or a chunk below it is damaged. By kind, not by id alone: an id reached both as a manifest and
   * as a payload (a payload holding a manifest's bytes, issue-3-payload-manifest-id) is checked as
   * each, so the second use is not taken on trust from the first.
   */
  readonly #checked = new Map<string, boolean>();
  /** `ver:` referrers that exist (bucketId ‖ uvid, hex). */
  readonly versions = new Set<string>();
  /** The quiet-marker index rows the name index implies (hex keys; derived.ts). */
  readonly quiet = new Set<string>();
  /** The owner index rows the bucket table implies (hex keys), with a label each. */
  readonly owners = new Map<string, string>();
  readonly #core: Core;

  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * Chunk `id` must hold back-reference `ref` (§9). A chunk without a row is reported as missing
   * where it is reached, not here too.
   */
  async requireRef(id: Uint8Array, ref: Uint8Array): Promise<void> {
    const meta = this.#core.backend.meta;
    if ((await meta.get(refKey(id, ref))) !== undefined || (await meta.get(chunkKey(id))) === undefined) return;
    // Once: a part chunk is reached both from its part record and as its intent's member.
    const label = `${chunkIdHex(id as ChunkId)}<-${String.fromCharCode(ref[0]!)}:${toHex(ref.subarray(1))}`;
    if (!this.report.missingRefs.includes(label)) this.report.missingRefs.push(label);
  }

  /**
   * Mark a tree below root refs; verify manifests and payload bytes once each. Returns true when
   * something below is missing or corrupt (remembered per chunk, so shared chunks count for every
   * version that uses them). `held`: the back-reference the refs' owner implies on each of them
   * (its `vm:`/`cm:`/`intent:` referrer).
   */
  async markRefs(refs: readonly ChunkRef[], held?: Uint8Array): Promise<boolean> {
    let damaged = false;
    for (const r of refs) {
      if (r.kind === RefKind.INLINE || !r.id) continue;
      if (held) await this.requireRef(r.id, held);
      const hex = chunkIdHex(r.id);
      const key = (r.kind === RefKind.MANIFEST ? 'm' : 'p') + hex;
      let bad = this.#checked.get(key);
      if (bad === undefined) {
        this.reached.add(hex);
        this.#checked.set(key, false);
        if (r.kind === RefKind.MANIFEST) {
          const blob = await this.#blob(r.id, ChunkKind.CM);
          bad = !blob || (await this.markRefs(decodeCm(blob).refs, referrer(Referrer.CM, r.id)));
        } else bad = !(await this.#payload(r.id));
        this.#checked.set(key, bad);
      }
      damaged ||= bad;
    }
    return damaged;
  }

  /** An embedded VM (§3 inline data): present, hashing to its id, and without chunk children. False when damaged. */
  checkEmbedded(vmId: string, bytes: Buffer | undefined): boolean {
    this.report.chunksChecked++;
    if (!bytes) this.report.missing.push(vmId);
    else if (toHex(chunkIdOf(bytes)) !== vmId || decodeVm(bytes).refs.some((r) => r.id)) this.report.corrupt.push(vmId);
    else return true;
    return false;
  }

  /** Mark a VM's tree; true when it or something below it is damaged. */
  async markVm(id: ChunkId): Promise<boolean> {
    const hex = chunkIdHex(id);
    const known = this.#checked.get('v' + hex);
    if (known !== undefined) return known;
    this.reached.add(hex);
    this.#checked.set('v' + hex, false);
    const blob = await this.#blob(id, ChunkKind.VM);
    const bad = !blob || (await this.markRefs(decodeVm(blob).refs, referrer(Referrer.VM, id)));
    this.#checked.set('v' + hex, bad);
    return bad;
  }

  /** An intent's member CM, reached before its commit: marked with its children (not verified itself). */
  async markMemberCm(id: ChunkId, blob: Uint8Array | undefined): Promise<void> {
    this.reached.add(chunkIdHex(id));
    this.#checked.set('m' + chunkIdHex(id), false);
    if (blob) await this.markRefs(decodeCm(Buffer.from(blob)).refs);
  }

  async #blob(id: ChunkId, kind: ChunkKind): Promise<Buffer | undefined> {
    this.report.chunksChecked++;
    const hex = chunkIdHex(id);
    const raw = await this.#core.backend.meta.get(blobKey(id));
    const row = await this.#core.backend.meta.get(chunkKey(id));
    if (!raw || !row) {
      this.report.missing.push(hex);
      return undefined;
    }
    // A row of another kind is collected as that kind (GC deletes a payload row's file, not its
    // blob and children): the manifest is not safely stored.
    if (compareBytes(chunkIdOf(raw), id) !== 0 || decodeChunkRow(row).kind !== kind) {
      this.report.corrupt.push(hex);
      return undefined;
    }
    return Buffer.from(raw);
  }

  /** Check one payload chunk; false when missing or corrupt. */
  async #payload(id: ChunkId): Promise<boolean> {
    this.report.chunksChecked++;
    const hex = chunkIdHex(id);
    const row = await this.#core.backend.meta.get(chunkKey(id));
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#core.backend.chunks.get(id, { verify: true });
    } catch {
      bytes = undefined;
    }
    if (!row || !bytes) this.report.missing.push(hex);
    else if (compareBytes(chunkIdOf(bytes), id) !== 0 || decodeChunkRow(row).kind !== ChunkKind.PAYLOAD) this.report.corrupt.push(hex);
    else return true;
    return false;
  }
}

/** Walk every live root (§9 audit). */
async function mark(core: Core, a: Audit): Promise<void> {
  const meta = core.backend.meta;
  const names = new Map<string, string>();
  for await (const [, v] of meta.range(table(T.BUCKET))) {
    const b = decodeBucketRecord(v);
    names.set(b.id, b.name);
    a.owners.set(ownerKey(b.owner, b.name).toString('hex'), `${b.owner}/${b.name}`);
  }
  for await (const [k, v] of meta.range(table(T.NI))) {
    const { rec, vm } = decodeVersionValue(v);
    if (rec.quiet && !rec.hidden) a.quiet.add(quietKeyOfNiKey(k).toString('hex'));
    const bucketId = toHex(k.subarray(1, 1 + ID16));
    const { key } = decodeObjectKey(k, 1 + ID16);
    a.versions.add(bucketId + toHex(uvidOfNiKey(k)));
    let damaged = false;
    if (rec.vmEmbedded) damaged = !a.checkEmbedded(rec.vmId!, vm);
    else if (rec.vmId) {
      const vmId = fromHex(rec.vmId) as unknown as ChunkId;
      await a.requireRef(vmId, referrer(Referrer.VER, k.subarray(1, 1 + ID16), uvidOfNiKey(k)));
      damaged = await a.markVm(vmId);
    }
    if (damaged) a.report.damaged.push({ bucket: names.get(bucketId) ?? bucketId, key, versionId: versionIdOf(rec) });
  }
  // An upload's parts are held by its intent (§9).
  const uploadIntents = new Map<string, Buffer>();
  for await (const [, v] of meta.range(table(T.UPLOAD))) {
    const up = decodeUploadRecord(v);
    uploadIntents.set(up.uploadId, referrer(Referrer.INTENT, fromHex(up.intentId)));
  }
  for await (const [k, v] of meta.range(table(T.PART))) await a.markRefs(decodePartRecord(v).refs, uploadIntents.get(toHex(k.subarray(1, 1 + ID16))));
  // Live intents hold their members (written payloads, CMs) until commit or abort.
  for await (const [k] of meta.range(table(T.MEMBER))) {
    const id = k.subarray(1 + ID16, 1 + ID16 + CHUNK_ID_BYTES) as unknown as ChunkId;
    const hex = chunkIdHex(id);
    await a.requireRef(id, referrer(Referrer.INTENT, k.subarray(1, 1 + ID16)));
    if (a.reached.has(hex)) continue;
    const row = await meta.get(chunkKey(id));
    if (!row) continue; // checked as a dangling reference below
    if (decodeChunkRow(row).loc === ChunkLoc.BLOB) await a.markMemberCm(id, await meta.get(blobKey(id)));
    else await a.markRefs([{ kind: RefKind.PAYLOAD, codec: 0, storedLength: 0, offset: 0, length: 0, id }]);
  }
}

/** Every back-reference must name an existing chunk row and a live referrer. */
async function checkRefs(core: Core, a: Audit): Promise<void> {
  const meta = core.backend.meta;
  for await (const [k] of meta.range(table(T.CHUNK))) {
    if (subOfChunkKey(k) !== Sub.REF) continue;
    const id = idOfKey(k);
    const ref = k.subarray(2 + CHUNK_ID_BYTES);
    const label = `${chunkIdHex(id)}<-${String.fromCharCode(ref[0]!)}:${toHex(ref.subarray(1))}`;
    let ok = (await meta.get(chunkKey(id))) !== undefined;
    if (ok) {
      const body = ref.subarray(1);
      switch (ref[0]) {
        case Referrer.VER:
          ok = a.versions.has(toHex(body));
          break;
        case Referrer.VM:
        case Referrer.CM:
          ok = (await meta.get(chunkKey(body))) !== undefined;
          break;
        case Referrer.INTENT:
          ok = (await meta.get(intentKey(body))) !== undefined;
          break;
        default:
          ok = false;
      }
    }
    if (!ok) a.report.danglingRefs.push(label);
  }
}

/**
 * A derived index recorded complete must hold exactly the rows its primary table implies
 * (derived.ts): a missing owner row hides a bucket from ListBuckets, a missing quiet row keeps a
 * marker forever. Rows are compared while writes may go on, so run it on a quiet store.
 */
async function checkDerived(core: Core, a: Audit): Promise<void> {
  const meta = core.backend.meta;
  const compare = async (name: DerivedIndex, t: number, want: Map<string, string>): Promise<void> => {
    if (!(await derivedIndexReady(meta, name))) return;
    const have = new Set<string>();
    for await (const [k] of meta.range(table(t))) {
      const hex = Buffer.from(k).toString('hex');
      have.add(hex);
      if (!want.has(hex)) a.report.indexErrors.push(`${name}: stale row ${hex}`);
    }
    for (const [hex, label] of want) if (!have.has(hex)) a.report.indexErrors.push(`${name}: missing ${label}`);
  };
  await compare('owner', T.OWNER, a.owners);
  await compare('quiet', T.QUIET, new Map([...a.quiet].map((hex) => [hex, `marker row ${hex}`])));
}

/** Rows and stored chunks nobody reaches, past their hold, are leaks. */
async function findLeaks(core: Core, a: Audit): Promise<void> {
  const now = core.now();
  const meta = core.backend.meta;
  const rows = new Map<string, ChunkRow>();
  for await (const [k, v] of meta.range(table(T.CHUNK))) if (subOfChunkKey(k) === Sub.ROW) rows.set(chunkIdHex(idOfKey(k)), decodeChunkRow(v));
  for (const [hex, row] of rows) {
    if (a.reached.has(hex)) continue;
    if (now - Math.max(row.createdAt, row.touchedAt, row.unreferencedAt) >= core.o.holdMs) a.report.leaked.push(hex);
  }
  for await (const id of core.backend.chunks.iterate()) {
    const hex = chunkIdHex(id);
    if (!rows.has(hex) && !core.writer.inflight.has(hex)) a.report.leaked.push(hex);
  }
}

export async function fsck(core: Core): Promise<FsckReport> {
  const a = new Audit(core);
  await mark(core, a);
  await checkRefs(core, a);
  await findLeaks(core, a);
  await checkDerived(core, a);
  for (const l of [a.report.missing, a.report.corrupt, a.report.leaked, a.report.danglingRefs, a.report.missingRefs, a.report.indexErrors]) l.sort();
  // Stable: a key's versions stay newest first, as the name index lists them.
  a.report.damaged.sort((x, y) => (x.bucket < y.bucket ? -1 : x.bucket > y.bucket ? 1 : Buffer.compare(Buffer.from(x.key), Buffer.from(y.key))));
  return a.report;
}
