/**
 * Issue #3 (found by the multipart-model fuzz's races on the local backend, fuzz16): two identical
 * CompleteMultipartUpload requests at once answered 200 and 404 NoSuchUpload, where S3 answers a
 * retried Complete 200 with the first one's answer. The second Complete's engine transaction saw
 * the upload removed by the first one's commit, still in flight (the local MetaStore's transactions
 * read through writes not yet durable), and threw NO_SUCH_UPLOAD at once; the handler then looked
 * for the first one's answer with a plain read, which sees committed data only, before that commit
 * had landed: none, so NoSuchUpload. A read-only transaction that read writes in flight already
 * answered once they were durable; a transaction that throws after reading them now does the same,
 * so whatever the caller reads next shows what the throw was decided on.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { fuzzer } from '../integration/fuzz/harness.js';

after(() => removeTempDirs());

test('local MetaStore: a transaction that throws after reading an uncommitted write rejects once that write can be read', async () => {
  const dir = await makeTempDir('tx-throw-pending');
  const b = await createLocalBackend({ dataDirs: [dir.path] });
  try {
    for (let i = 0; i < 20; i++) {
      const key = Buffer.from(`\u0001k${i}`);
      const first = b.meta.transaction((tx) => tx.put(key, Buffer.from('written')));
      const second = b.meta.transaction((tx) => {
        if (tx.get(key) !== undefined) throw new Error('taken');
        tx.put(key, Buffer.from('second'));
      });
      await assert.rejects(second, /taken/);
      // The caller acts on the refusal: the write it was decided on must be there to read.
      assert.equal(Buffer.from((await b.meta.get(key)) ?? '').toString(), 'written', `round ${i}`);
      await first;
    }
  } finally {
    await b.close();
    await dir.cleanup();
  }
});

test('two identical CompleteMultipartUpload requests at once on the local backend both answer 200', async (t) => {
  const f = await fuzzer(t, { backend: 'local' });
  await f.send({ method: 'PUT', path: '/race' });
  for (let i = 0; i < 10; i++) {
    const init = await f.send({ method: 'POST', path: `/race/k${i}?uploads` });
    const id = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!);
    const part = await f.send({ method: 'PUT', path: `/race/k${i}?partNumber=1&uploadId=${id}`, body: 'one part' });
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
    const [a, b] = await Promise.all([0, 1].map(() => f.send({ method: 'POST', path: `/race/k${i}?uploadId=${id}`, body })));
    assert.deepEqual([a!.status, b!.status], [200, 200], `round ${i}: ${a!.text} / ${b!.text}`);
    assert.equal(a!.code, undefined, a!.text);
    assert.equal(b!.code, undefined, b!.text);
  }
});
