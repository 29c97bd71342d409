/**
 * A container registry on the gateway: Debian's docker-registry (distribution 2.8.2, whose S3
 * storage driver is built on the AWS SDK for Go v1) keeps its blobs and manifests in a bucket of an
 * in-process gateway, and skopeo (1.9) pushes and pulls an OCI image through it, as a user running
 * a private registry on S3 would. The driver's own S3 habits are exercised: a layer streamed in
 * multipart parts (chunksize 5 MiB), the upload moved to its content address by a multipart copy
 * (UploadPartCopy, multipartcopythresholdsize 5 MiB), listings for the catalog and tags, and
 * `garbage-collect` deleting the blobs no manifest references any more.
 *
 * The image is built here (a tar layer of 12 MiB of random bytes and a small file, its config and
 * an OCI manifest) so that nothing is downloaded; `--preserve-digests` keeps skopeo from
 * recompressing the layer, so every blob must come back byte for byte under its digest.
 *
 * Skips with a reason when docker-registry or skopeo is missing (.ci/run installs both:
 * apt-get install -y docker-registry skopeo).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, listKeys, pseudoRandom, runOk, which, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'registry';
const ROOT = 'reg';

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** An OCI image layout in `dir` with one tar layer; returns the digests of its blobs. */
async function makeImage(dir: string, work: string, env: NodeJS.ProcessEnv): Promise<{ manifest: string; config: string; layer: string; layerSize: number }> {
  const files = join(work, 'rootfs');
  await mkdir(join(files, 'etc'), { recursive: true });
  await writeFile(join(files, 'big.bin'), pseudoRandom(12 * MiB + 123, 'registry-layer'));
  await writeFile(join(files, 'etc', 'hello.txt'), 'hello\n');
  const tarPath = join(work, 'layer.tar');
  await runOk('tar', ['-cf', tarPath, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', files, '.'], { env });
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<string> => {
    const d = digestOf(b);
    await writeFile(join(blobs, d.slice(7)), b);
    return d;
  };
  const layerBytes = await readFile(tarPath);
  const layer = await put(layerBytes);
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer] } }));
  const config = await put(configBytes);
  const manifestBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: layerBytes.length }],
  }));
  const manifest = await put(manifestBytes);
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
  }));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { manifest, config, layer, layerSize: layerBytes.length };
}

test('docker-registry on S3 with skopeo: push, pull byte-exact, catalog and tags, re-push dedup, delete and garbage-collect', async (t) => {
  const registryFound = (await which('docker-registry'))[0];
  const skopeoFound = (await which('skopeo'))[0];
  if (!registryFound || !skopeoFound) {
    t.skip(`${!registryFound ? 'docker-registry' : 'skopeo'} missing (.ci/run installs them: apt-get install -y docker-registry skopeo)`);
    return;
  }
  const registry: string = registryFound;
  const skopeo: string = skopeoFound;
  const { gw, watch, dir } = await clientRig(t, 'clients-registry');
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // clientEnv leaves out AWS_CA_BUNDLE, which the Go SDK v1 would refuse to load for a plain-HTTP
  // endpoint ("unable to load custom CA bundle").
  const env = clientEnv(dir.path);
  const port = await freePort();
  const reg = `127.0.0.1:${port}`;
  const config = join(dir.path, 'config.yml');
  await writeFile(config, `version: 0.1
log:
  level: warn
storage:
  s3:
    accesskey: ${gw.accessKey}
    secretkey: ${gw.secretKey}
    region: us-east-1
    regionendpoint: ${gw.url}
    bucket: ${BUCKET}
    rootdirectory: /${ROOT}
    secure: false
    v4auth: true
    forcepathstyle: true
    chunksize: ${5 * MiB}
    multipartcopythresholdsize: ${5 * MiB}
    multipartcopychunksize: ${5 * MiB}
  delete:
    enabled: true
  redirect:
    disable: true
http:
  addr: ${reg}
`);

  const log: Buffer[] = [];
  let child: ChildProcess | undefined = spawn(registry, ['serve', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => log.push(c));
  child.stderr!.on('data', (c: Buffer) => log.push(c));
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => c.kill('SIGKILL'))]);
  };
  // Before clientRig's hooks (registered first, so run first) close the gateway under it.
  try {
    let up = false;
    for (let i = 0; i < 100 && !up && child.exitCode === null; i++) {
      up = await fetch(`http://${reg}/v2/`).then((r) => r.ok, () => false);
      if (!up) await sleep(100);
    }
    assert.ok(up, `the registry did not come up:\n${Buffer.concat(log).toString()}`);
    await exercise();
  } finally {
    await stop();
  }

  async function exercise(): Promise<void> {
    const sk = (args: string[]): Promise<RunResult> => runOk(skopeo, ['--insecure-policy', ...args], { env, timeoutMs: 120_000 });
    const src = join(dir.path, 'img');
    const img = await makeImage(src, dir.path, env);
    const blobKey = (d: string): string => `${ROOT}/docker/registry/v2/blobs/sha256/${d.slice(7, 9)}/${d.slice(7)}/data`;
    const keys = (prefix: string): Promise<string[]> => listKeys(s3, BUCKET, prefix);

    await t.test('skopeo push: the layer goes up in parts and is moved to its digest by UploadPartCopy', async () => {
      const from = watch.seen.length;
      await sk(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg}/test/img:v1`]);
      const seen = watch.seen.slice(from);
      assert.ok(seen.every((q) => q.status !== undefined && q.status < 500), seen.filter((q) => (q.status ?? 500) >= 500).map((q) => `${q.method} ${q.url} ${q.status}`).join(', '));
      const parts = seen.filter((q) => q.method === 'PUT' && q.url.includes('partNumber=') && q.headers['x-amz-copy-source'] === undefined && q.status === 200);
      assert.ok(parts.length >= 2, `UploadPart requests: ${parts.length}`);
      const copies = seen.filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/${blobKey(img.layer)}?`) && q.headers['x-amz-copy-source-range'] !== undefined);
      t.diagnostic(`${parts.length} UploadPart, ${copies.length} UploadPartCopy into the layer's key`);
      assert.ok(copies.length >= 3 && copies.every((q) => q.status === 200), `UploadPartCopy into the layer's key: ${copies.map((q) => `${String(q.headers['x-amz-copy-source-range'])} ${q.status}`).join(', ')}`);
      // The stored object is the layer itself.
      const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: blobKey(img.layer) }))).Body!.transformToByteArray());
      assert.equal(got.length, img.layerSize);
      assert.equal(digestOf(got), img.layer);
    });

    await t.test('skopeo pull into a fresh OCI layout: every blob byte-exact; the registry API serves the layer', async () => {
      const back = join(dir.path, 'back');
      await sk(['copy', '--preserve-digests', '--src-tls-verify=false', `docker://${reg}/test/img:v1`, `oci:${back}:v1`]);
      const names = (await readdir(join(back, 'blobs', 'sha256'))).sort();
      assert.deepEqual(names, [img.manifest, img.config, img.layer].map((d) => d.slice(7)).sort());
      for (const n of names) assert.equal(digestOf(await readFile(join(back, 'blobs', 'sha256', n))), `sha256:${n}`);
      const layer = await fetch(`http://${reg}/v2/test/img/blobs/${img.layer}`);
      assert.equal(layer.status, 200);
      assert.equal(digestOf(Buffer.from(await layer.arrayBuffer())), img.layer);
      const inspect = JSON.parse((await sk(['inspect', '--tls-verify=false', `docker://${reg}/test/img:v1`])).stdout) as { Digest: string; Layers: string[] };
      assert.equal(inspect.Digest, img.manifest);
      assert.deepEqual(inspect.Layers, [img.layer]);
    });

    await t.test('a second tag of the same image uploads no blob again; catalog and tag list', async () => {
      const from = watch.seen.length;
      await sk(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg}/test/img:v2`]);
      const uploads = watch.seen.slice(from).filter((q) => q.method === 'POST' && q.url.endsWith('?uploads'));
      assert.equal(uploads.length, 0, 'no multipart upload for blobs the registry has');
      assert.deepEqual(await (await fetch(`http://${reg}/v2/_catalog`)).json(), { repositories: ['test/img'] });
      const tags = await (await fetch(`http://${reg}/v2/test/img/tags/list`)).json() as { tags: string[] };
      assert.deepEqual(tags.tags.sort(), ['v1', 'v2']);
    });

    await t.test('delete the manifest, garbage-collect: the blobs leave the bucket', async () => {
      assert.ok((await keys(blobKey(img.layer))).length === 1, 'the layer is stored before');
      const del = await fetch(`http://${reg}/v2/test/img/manifests/${img.manifest}`, { method: 'DELETE' });
      assert.equal(del.status, 202);
      assert.equal((await fetch(`http://${reg}/v2/test/img/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status, 404);
      // garbage-collect wants the registry stopped (it is not safe against concurrent pushes).
      await stop();
      const gc = await runOk(registry, ['garbage-collect', '--delete-untagged', config], { env, timeoutMs: 120_000 });
      assert.match(gc.stdout + gc.stderr, /blob eligible for deletion/i);
      for (const d of [img.layer, img.config]) assert.deepEqual(await keys(blobKey(d)), [], `${d} deleted`);
    });
  }
});
