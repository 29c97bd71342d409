/** The storage contract against the reference memory backend. */
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { runStorageContract } from './storage-contract.js';

runStorageContract('memory', async () => {
  const backend = createMemoryBackend();
  return { backend, cleanup: () => backend.close() };
});
