/**
 * Issue #3 (spec15e, engine spec audit): `ccow fsck` is the audit every chaos test ends with
 * (ccow.md §9: mark every chunk reachable from the name indexes and live intents, check that every
 * reference resolves). It checked that each back-reference points at something live, but not the
 * other way round: a chunk a live parent uses without holding that parent's back-reference (a VM
 * without its version's `ver:`, a child without its manifest's `vm:`/`cm:`, a part chunk without its
 * upload's `intent:`) passed as clean, although GC deletes such a chunk as soon as its other
 * references go, and the object then cannot be read. Now each is reported (`missingRefs`), and fsck
 * is not clean while one is.
 */
import assert from 'node:assert/strict';
import { fromHex } from '../../src/common/index.js';
import { isClean } from '../../src/cli/admin.js';
import type { FsckReport } from '../../src/engine/index.js';
import { decodeCm } from '../../src/engine/format/cm.js';
import { decodePartRecord, decodeUploadRecord, decodeVersionValue } from '../../src/engine/format/records.js';
import { RefKind } from '../../src/engine/format/ref.js';
import { decodeVm } from '../../src/engine/format/vm.js';
import { blobKey, encodeObjectKey, niKeyPrefix, prefixRange, Referrer, referrer, refKey, T } from '../../src/engine/keys.js';
import type { Harness } from '../integration/engine/harness.js';
import { body, bytes, eachBackend, readAll } from '../integration/engine/harness.js';

const label = (id: Uint8Array, ref: Buffer): string => `${Buffer.from(id).toString('hex')}<-${String.fromCharCode(ref[0]!)}:${ref.subarray(1).toString('hex')}`;

async function dropRefRow(h: Harness, id: Uint8Array, ref: Buffer): Promise<void> {
  await h.backend.meta.transaction((tx) => {
    assert.notEqual(tx.get(refKey(id, ref)), undefined, 'the reference existed');
    tx.del(refKey(id, ref));
  });
}

const refsOf = (r: FsckReport): { missingRefs: string[]; clean: boolean } => ({ missingRefs: r.missingRefs, clean: isClean(r) });

eachBackend('fsck reports a chunk that a live version, manifest or upload uses without holding its back-reference', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  // 20 chunks with fan-out 4: a VM over CMs over payload chunks.
  const data = bytes(20 * 1024, 7);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data));
  const up = await e.createUpload({ bucket: 'b', key: 'mp' }, {});
  await e.putPart('b', up.uploadId, 1, body(bytes(9000, 9)));
  assert.deepEqual(refsOf(await e.fsck()), { missingRefs: [], clean: true });

  const bucketId = Buffer.from((await e.getBucket('b'))!.id, 'hex');
  let verRef!: Buffer;
  let vmId!: Buffer;
  for await (const [, v] of h.backend.meta.range(prefixRange(niKeyPrefix(bucketId, encodeObjectKey('k'))))) {
    const { rec } = decodeVersionValue(v);
    vmId = fromHex(rec.vmId!);
    verRef = referrer(Referrer.VER, bucketId, fromHex(rec.uvid));
  }
  const vm = decodeVm((await h.backend.meta.get(blobKey(vmId)))!);
  const cmRef = vm.refs.find((r) => r.kind === RefKind.MANIFEST)!;
  const vmRef = referrer(Referrer.VM, vmId);
  // Down the leftmost path to a leaf CM: a payload chunk and the CM that lists it.
  let leafCm = cmRef.id!;
  let cm = decodeCm((await h.backend.meta.get(blobKey(leafCm)))!);
  while (cm.refs[0]!.kind === RefKind.MANIFEST) {
    leafCm = cm.refs[0]!.id!;
    cm = decodeCm((await h.backend.meta.get(blobKey(leafCm)))!);
  }
  const leaf = cm.refs.find((r) => r.kind === RefKind.PAYLOAD)!;
  const cmReferrer = referrer(Referrer.CM, leafCm);
  let intentRef!: Buffer;
  for await (const [, v] of h.backend.meta.range(prefixRange(Buffer.from([T.UPLOAD])))) intentRef = referrer(Referrer.INTENT, fromHex(decodeUploadRecord(v).intentId));
  let partChunk: Uint8Array | undefined;
  for await (const [, v] of h.backend.meta.range(prefixRange(Buffer.from([T.PART])))) partChunk = decodePartRecord(v).refs.find((x) => x.kind === RefKind.PAYLOAD)!.id;

  await dropRefRow(h, vmId, verRef);
  await dropRefRow(h, cmRef.id!, vmRef);
  await dropRefRow(h, leaf.id!, cmReferrer);
  await dropRefRow(h, partChunk!, intentRef);
  const r = await e.fsck();
  assert.deepEqual(refsOf(r), {
    missingRefs: [label(vmId, verRef), label(cmRef.id!, vmRef), label(leaf.id!, cmReferrer), label(partChunk!, intentRef)].sort(),
    clean: false,
  });
  // The object still reads; without the audit's warning, GC takes the VM once nothing else holds it.
  assert.deepEqual(await readAll(e, 'b', 'k'), data);
});
