/**
 * The checksum of a copy whose request names an algorithm (AWS CopyObject,
 * `x-amz-checksum-algorithm`: "the algorithm that you want Amazon S3 to use to create the checksum
 * for the object"). The copy itself stays zero-copy — the new version shares the source's chunks —
 * only the checksum is computed, by streaming the source's data through the verified reader.
 */
import type { ChecksumAlgorithm, StoredChecksum } from './api.js';
import type { Core } from './core.js';
import type { VersionManifest, VmMeta, VmPart } from './format/vm.js';
import { digestOf } from './hashers.js';
import { readRange } from './reader.js';
import { DIGEST_OF } from './write-path.js';

/**
 * The checksum the copy of `vm` must store when `alg` is requested, or undefined when the source's
 * own checksum already is that (same algorithm, FULL_OBJECT) and the copy stays metadata-only.
 *
 * The result is always FULL_OBJECT: a copy is written in one request, so like a PutObject's its
 * checksum covers the whole object (s3-surface.md §5.2). A COMPOSITE source (a checksum of the part
 * checksums, `-N`) is therefore recomputed even when the algorithm is the same.
 */
export async function copyChecksum(core: Core, vm: VersionManifest, alg: ChecksumAlgorithm | undefined): Promise<StoredChecksum | undefined> {
  if (!alg) return undefined;
  const own = vm.meta.checksum;
  if (own?.algorithm === alg && own.type === 'FULL_OBJECT') return undefined;
  const digest = await digestOf(DIGEST_OF[alg], readRange(core, vm.refs, 0, vm.meta.size));
  return { algorithm: alg, type: 'FULL_OBJECT', value: digest.toString('base64') };
}

/**
 * `meta` carrying `checksum`. Part checksums of another algorithm are dropped: a version's parts
 * and its object checksum name one algorithm (GetObjectAttributes shows both), and parts of the
 * same algorithm stay consistent with a FULL_OBJECT checksum (the FULL_OBJECT multipart shape).
 */
export function withChecksum(meta: VmMeta, checksum: StoredChecksum): VmMeta {
  const out: VmMeta = { ...meta, checksum };
  if (meta.parts) {
    out.parts = meta.parts.map((p): VmPart => {
      if (!p.checksum || p.checksum.algorithm === checksum.algorithm) return p;
      const { checksum: _dropped, ...rest } = p;
      return rest;
    });
  }
  return out;
}
