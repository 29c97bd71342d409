/** The storage contract against the local backend (LMDB + chunk files), on one and on three data dirs. */
import { after } from 'node:test';
import { join } from 'node:path';
import { createLocalBackend, type LocalBackendOptions } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { runStorageContract, type BackendUnderTest } from './storage-contract.js';

after(removeTempDirs);

function factory(disks: number, extra: Partial<LocalBackendOptions> = {}): () => Promise<BackendUnderTest> {
  return async () => {
    const dir = await makeTempDir(`local-contract-${disks}`);
    // Small LMDB map: many envs are open over a run, and tests store little.
    const opts: LocalBackendOptions = { dataDirs: Array.from({ length: disks }, (_, i) => join(dir.path, `d${i}`)), mapSize: 256 * 1024 * 1024, ...extra };
    let backend = await createLocalBackend(opts);
    return {
      backend,
      cleanup: async () => {
        await backend.close();
        await dir.cleanup();
      },
      reopen: async () => {
        await backend.close();
        backend = await createLocalBackend(opts);
        return backend;
      },
    };
  };
}

runStorageContract('local, 1 data dir', factory(1), { persistent: true });
runStorageContract('local, 3 data dirs', factory(3), { persistent: true });
// Chunk files written through the page cache (v1 files), as on tmpfs or with directIo off.
runStorageContract('local, 1 data dir, buffered chunk files', factory(1, { directIo: false }), { persistent: true });
