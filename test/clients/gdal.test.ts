/**
 * GDAL's /vsis3/ virtual file system (Debian 12: gdal-bin and python3-gdal 3.6.2), as geospatial
 * users point it at an S3-compatible store: AWS_S3_ENDPOINT=host:port, AWS_HTTPS=NO,
 * AWS_VIRTUAL_HOSTING=FALSE (path style), keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. GDAL
 * signs SigV4 with its own C++ code (port/cpl_aws.cpp), reads with ranged GETs through its curl
 * block cache and writes with its own multipart uploader (VSIS3_CHUNK_SIZE=5: 5 MiB parts; GDAL 3.6
 * reads VSIS3_CHUNK_SIZE, the CPL_VSIS3_CHUNK_SIZE some guides give is ignored and a file under the
 * default 50 MiB goes up in one PutObject).
 * test/clients/gdal_flow.py (Debian's /usr/bin/python3, `from osgeo import gdal, ogr`) runs
 * against an in-process gateway (local backend) and prints one JSON line per step: Mkdir of
 * /vsis3/bucket (PUT /bucket/, i.e. CreateBucket); a COG (12 MiB of noise pixels + overviews,
 * 16.5 MiB, 4 UploadParts) made from an in-memory raster by gdal.Translate, read back by ReadAsArray; a GeoPackage
 * (random write staged in a temp file) and a FlatGeobuf; an 11 MiB VSIFWriteL; /vsis3_streaming/
 * reads; Mkdir / VSIStatL / ReadDir / Rename / Rmdir / Unlink; missing keys and a wrong secret.
 * Then the gdal-bin programs run on what it left: gdalinfo -stats -checksum, gdal_translate
 * /vsis3/ → /vsis3/, ogr2ogr /vsis3/ → /vsis3/ and ogrinfo.
 *
 * GDAL settings that keep runs deterministic: GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR (no listing
 * of the directory on each open), CPL_VSIL_CURL_NON_CACHED=/vsis3/<bucket>/ (no block cache kept
 * across handles), GDAL_PAM_ENABLED=NO (gdalinfo -stats writes no .aux.xml to the bucket).
 *
 * A client bug S3 refuses too, asserted as such rather than bent around in the gateway: ReadDir of
 * /vsis3/ (ListBuckets) in path style sends `GET /` but signs the canonical URI `//`
 * (VSIS3HandleHelper::GetCurlHeaders signs "/" + bucket + "/" + key, with an empty bucket), so
 * the gateway answers SignatureDoesNotMatch as S3 would (checked by recomputing GDAL's signature
 * over both URIs: `//` matches). GDAL returns None. Every bucket-level call works.
 * What GDAL does on its own that the flow takes as it is: VSIStatL after Rmdir answers from GDAL's
 * cache (no request); writing a TIFF (COG or GTiff) to /vsis3/ needs
 * CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE=YES (a TIFF is written by seeking back), as on S3; a
 * range GET of an empty directory marker is answered 416 (as S3 does: RFC 9110 §14.1.1, no
 * satisfiable range in 0 bytes; GDAL's IsDirectoryFromExists counts on that 416 from S3); the
 * GeoPackage's SQLite looks for -journal and -wal files before each read (404s, not cached under
 * CPL_VSIL_CURL_NON_CACHED).
 *
 * The gateway answered every request of GDAL as S3 does; no gateway change came out of this test.
 * Skips with a reason when GDAL is missing (.ci/run installs it: apt-get install -y gdal-bin
 * python3-gdal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, requestsTo, runOk, run, which, type SeenRequest } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/gdal_flow.py');
const MiB = 1024 * 1024;
const SKIP = 'GDAL missing: osgeo.gdal not importable by /usr/bin/python3 or gdalinfo/gdal_translate/ogr2ogr/ogrinfo not on PATH (.ci/run installs them: apt-get install -y gdal-bin python3-gdal)';
const CITIES = [['Zürich', 8.5417, 47.3769, 421000], ['Bern', 7.4474, 46.948, 134000], ['Genève', 6.1432, 46.2044, 203000], ['Basel', 7.5886, 47.5596, 173000]];
const byName = (rows: unknown): unknown[] => [...(rows as unknown[][])].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

/** Debian's python3 with osgeo.gdal 3.x, and the gdal-bin programs. */
async function findGdal(): Promise<{ py: string; version: string; bin: Record<string, string> } | undefined> {
  const py = await locate(['/usr/bin/python3'], ['-c', 'from osgeo import gdal, ogr; print("GDAL", gdal.__version__)'], /GDAL 3\.\S+/);
  if (!py) return undefined;
  const bin: Record<string, string> = {};
  for (const name of ['gdalinfo', 'gdal_translate', 'ogr2ogr', 'ogrinfo']) {
    const path = (await which(name))[0];
    if (!path) return undefined;
    bin[name] = path;
  }
  return { py: py.path, version: py.version, bin };
}

/** Requests whose answer had a status of 206 and a Range header: GDAL's block reads. */
const rangedReads = (seen: SeenRequest[], path: string): SeenRequest[] =>
  requestsTo(seen, 'GET', path).filter((q) => q.headers.range !== undefined && q.status === 206);

test('GDAL /vsis3/ (python3-gdal and gdal-bin): COG, GeoPackage, FlatGeobuf, multipart, ranged reads, directories', async (t) => {
  const gdal = await findGdal();
  if (!gdal) {
    t.skip(SKIP);
    return;
  }
  t.diagnostic(`${gdal.py}: ${gdal.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-gdal');
  const bucket = 'gdal-geo';
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ bucket }));
  const env = clientEnv(dir.path, {
    AWS_S3_ENDPOINT: new URL(gw.url).host,
    AWS_HTTPS: 'NO',
    AWS_VIRTUAL_HOSTING: 'FALSE',
    AWS_ACCESS_KEY_ID: gw.accessKey,
    AWS_SECRET_ACCESS_KEY: gw.secretKey,
    AWS_REGION: 'us-east-1',
    VSIS3_CHUNK_SIZE: '5',
    GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
    CPL_VSIL_CURL_NON_CACHED: `/vsis3/${bucket}/:/vsis3_streaming/${bucket}/`,
    GDAL_PAM_ENABLED: 'NO',
    // GDAL's temp files (the staged TIFF and GeoPackage) go to the test's dir.
    CPL_TMPDIR: dir.path,
  });
  // Requests refused before their body (src/http/continue.ts) never become `request` events.
  const refused: SeenRequest[] = [];
  const accepted = new WeakSet<IncomingMessage>();
  const onRequest = (req: IncomingMessage): void => { accepted.add(req); };
  const onContinue = (req: IncomingMessage, res: ServerResponse): void => {
    res.once('finish', () => {
      if (!accepted.has(req)) refused.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, status: res.statusCode });
    });
  };
  gw.app.server.on('request', onRequest);
  gw.app.server.on('checkContinue', onContinue);
  t.after(() => {
    gw.app.server.off('request', onRequest);
    gw.app.server.off('checkContinue', onContinue);
  });
  const r = await runOk(gdal.py, [SCRIPT, params], { env, timeoutMs: 60_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const S3 = `/vsis3/${bucket}`;

  await t.test('Mkdir of /vsis3/bucket creates the bucket; ReadDir of /vsis3/ is refused (GDAL signs "//")', () => {
    const s = stepOk('versions; Mkdir of a bucket (PUT /bucket/: CreateBucket in path style)');
    assert.match(String(s.gdal), /^3\./);
    assert.equal(s.mkdir, 0);
    assert.equal(s.is_dir, 1);
    assert.deepEqual(requestsTo(seen, 'PUT', `/${bucket}/`).map((q) => q.status), [200]);
    assert.equal(stepOk('ReadDir of /vsis3/ (ListBuckets)').buckets, null);
    const list = requestsTo(seen, 'GET', '/');
    assert.ok(list.length >= 1 && list.every((q) => q.status === 403), `ListBuckets: ${list.map((q) => q.status).join(',')}`);
  });

  const cog = stepOk('gdal.Translate of an in-memory raster to a COG on /vsis3/ (multipart, 5 MiB parts)');
  const cogPath = `/${bucket}/rasters/noise.cog.tif`;
  await t.test('gdal.Translate to a COG: a temp file uploaded in 5 MiB parts, read back pixel for pixel by ranged GETs', () => {
    assert.equal(cog.format, 'COG');
    const size = Number(cog.size);
    assert.ok(size > 12 * MiB, `COG size ${size}`);
    const parts = Math.ceil(size / (5 * MiB));
    assert.deepEqual(partsUploaded(seen, cogPath), Array.from({ length: parts }, (_, i) => i + 1));
    const posts = requestsTo(seen, 'POST', cogPath);
    assert.deepEqual(posts.map((q) => [q.url.includes('?uploads') ? 'create' : 'complete', q.status]), [['create', 200], ['complete', 200]]);
    const s = stepOk('gdal.Open of the COG on /vsis3/: ReadAsArray, Checksum, a window, GetStatistics');
    assert.equal(s.same, true);
    assert.equal(s.window_same, true);
    assert.deepEqual(s.checksums, cog.checksums);
    assert.deepEqual(s.size, [2048, 2048, 3]);
    assert.deepEqual(s.geotransform, [500000, 10, 0, 4600000, 0, -10]);
    assert.equal(s.epsg, '32633');
    assert.equal(s.layout, 'COG');
    assert.equal(s.overviews, 2);
    assert.equal(s.mean, s.src_mean);
    const ranged = rangedReads(seen, cogPath);
    assert.ok(ranged.length >= 3, `ranged GETs of the COG: ${ranged.length}`);
    assert.ok(ranged.every((q) => /^bytes=\d+-\d+$/.test(String(q.headers.range))));
  });

  await t.test('OGR: a GeoPackage (random write through a temp file) and a FlatGeobuf, read back with the same features', () => {
    const g = stepOk('OGR: a GeoPackage written to /vsis3/ through a temp file (random write), read back');
    assert.deepEqual(g.features, CITIES);
    assert.deepEqual(g.bbox, ['Basel', 'Bern']);
    // Under 5 MiB: one PutObject of the staged file, then SQLite pages read by ranged GETs.
    const gpkg = requestsTo(seen, 'PUT', `/${bucket}/vectors/cities.gpkg`);
    assert.deepEqual(gpkg.map((q) => [q.status, Number(q.headers['content-length'])]), [[200, g.size]]);
    assert.ok(rangedReads(seen, `/${bucket}/vectors/cities.gpkg`).length >= 1);
    const f = stepOk('OGR: a FlatGeobuf written to /vsis3/ (sequential), read back');
    // FlatGeobuf writes its features in the order of its packed R-tree.
    assert.deepEqual(byName(f.features), byName(CITIES));
    assert.deepEqual(requestsTo(seen, 'PUT', `/${bucket}/vectors/cities.fgb`).map((q) => q.status), [200]);
  });

  await t.test('VSIFWriteL of 11 MiB goes up in three parts; whole, seek + read and /vsis3_streaming/ reads give the same bytes', () => {
    const s = stepOk('VSIFOpenL wb of 11 MiB (3 UploadParts), read back whole and by seek + read');
    assert.equal(s.size, 11 * MiB + 4321);
    assert.equal(s.same, true);
    assert.equal(s.middle_same, true);
    assert.equal(s.tail, 10);
    assert.equal(s.tail_same, true);
    const path = `/${bucket}/raw/big.bin`;
    assert.deepEqual(partsUploaded(seen, path), [1, 2, 3]);
    const parts = requestsTo(seen, 'PUT', path).filter((q) => q.url.includes('partNumber='));
    assert.deepEqual(parts.map((q) => Number(q.headers['content-length'])), [5 * MiB, 5 * MiB, MiB + 4321]);
    const st = stepOk('/vsis3_streaming/: read the 11 MiB file and the COG sequentially');
    assert.equal(st.same, true);
    assert.equal(st.checksum, (cog.checksums as number[])[2]);
    // /vsis3_streaming/ reads the object in one GET without a Range.
    assert.ok(requestsTo(seen, 'GET', path).some((q) => q.headers.range === undefined && q.status === 200));
    assert.ok(requestsTo(seen, 'GET', cogPath).some((q) => q.headers.range === undefined && q.status === 200));
  });

  await t.test('Mkdir (a "dir/" marker), ReadDir (delimiter listing), Rename (copy + delete), Rmdir, Unlink, RmdirRecursive', () => {
    const s = stepOk('directories: Mkdir (marker), VSIStatL, ReadDir (delimiter), Rename (copy + delete), Rmdir, Unlink');
    assert.equal(s.mkdir, 0);
    assert.equal(s.dir_is_dir, 1);
    assert.deepEqual(s.empty, ['.']);
    assert.deepEqual(s.listing, ['a.txt', 'c.txt', 'sub dir']);
    assert.deepEqual(s.recursive, ['a.txt', 'c.txt', 'sub dir/b é.txt']);
    assert.deepEqual(s.top, ['rasters', 'raw', 'tree', 'vectors']);
    assert.equal(s.a_size, 6);
    assert.equal(s.a_is_dir, 0);
    assert.ok(Math.abs(Number(s.a_mtime_age)) < 120, `mtime age ${String(s.a_mtime_age)}`);
    assert.equal(s.sub_is_dir, 1);
    assert.equal(s.rename, 0);
    assert.equal(s.renamed, 'alpha\n');
    assert.equal(s.old_gone, true);
    assert.notEqual(s.rmdir_full, null, 'Rmdir of a non-empty directory fails');
    assert.equal(s.unlink, 0);
    assert.equal(s.c_gone, true);
    assert.notEqual(s.unlink_missing, null, 'Unlink of a missing file fails');
    assert.equal(s.rmtree, 0);
    assert.deepEqual(s.after, ['.']);
    assert.equal(s.rmdir, 0);
    assert.equal(s.dir_cached, true);
    assert.equal(s.dir_gone, true);
    const marker = requestsTo(seen, 'PUT', `/${bucket}/tree/`);
    assert.deepEqual(marker.map((q) => [q.status, q.headers['content-length']]), [[200, '0']]);
    assert.deepEqual(requestsTo(seen, 'DELETE', `/${bucket}/tree/`).map((q) => q.status), [204]);
    assert.ok(requestsTo(seen, 'GET', `/${bucket}/`).some((q) => /[?&]delimiter=%2F/.test(q.url) && /[?&]prefix=tree%2F/.test(q.url) && q.status === 200), 'a delimiter listing of tree/');
    assert.deepEqual(requestsTo(seen, 'PUT', `/${bucket}/tree/sub%20dir/b%20%C3%A9.txt`).map((q) => q.status), [200]);
    // Rename: CopyObject then DeleteObject of the source.
    const copy = requestsTo(seen, 'PUT', `/${bucket}/tree/sub%20dir/a-renamed.txt`);
    assert.deepEqual(copy.map((q) => q.status), [200]);
    assert.match(String(copy[0]?.headers['x-amz-copy-source']), new RegExp(`^/?${bucket}/tree/a\\.txt$`));
    assert.deepEqual(requestsTo(seen, 'DELETE', `/${bucket}/tree/a.txt`).map((q) => q.status), [204]);
    // A non-ASCII key: GDAL URL-encodes the copy source (CopyObject: x-amz-copy-source is URL-encoded).
    assert.equal(s.rename_utf8, 0);
    assert.equal(s.renamed_utf8, 'beta\n');
    const utf8 = requestsTo(seen, 'PUT', `/${bucket}/tree/sub%20dir/b%20%C3%A9%2Bmoved.txt`);
    assert.deepEqual(utf8.map((q) => q.status), [200]);
    assert.match(String(utf8[0]?.headers['x-amz-copy-source']), /b%20%C3%A9\.txt$/);
    assert.deepEqual(requestsTo(seen, 'DELETE', `/${bucket}/tree/sub%20dir/b%20%C3%A9.txt`).map((q) => q.status), [204]);
    assert.deepEqual(requestsTo(seen, 'DELETE', `/${bucket}/tree/never.txt`), [], 'GDAL stats before it deletes');
    // RmdirRecursive lists the prefix and deletes it with DeleteObjects.
    assert.ok(requestsTo(seen, 'POST', `/${bucket}/`).some((q) => q.url.endsWith('?delete') && q.status === 200), 'DeleteObjects');
    // A range GET of the empty marker "tree/" is 416, as S3 answers it (GDAL's cpl_vsil_s3.cpp
    // IsDirectoryFromExists: "on S3, a GET on a existing directory returns a 416").
    assert.ok(requestsTo(seen, 'GET', `/${bucket}/tree/`).some((q) => q.status === 416));
  });

  await t.test('errors: missing key and bucket are clean GDAL errors at once (404, no retry), a wrong secret is 403', () => {
    const s = stepOk('errors: a missing key (Open, VSIFOpenL, VSIStatL), a missing bucket, a wrong secret');
    assert.deepEqual(s.open, { message: 'The specified key does not exist.', errno: 13 });
    assert.deepEqual(s.streaming, { message: 'The specified key does not exist.', errno: 13 });
    assert.equal(s.fopen, true);
    assert.equal(s.stat, true);
    assert.deepEqual(s.bucket, { message: 'The specified bucket does not exist', errno: 12 });
    assert.match(String((s.wrong_secret as { message: string }).message), /403/);
    assert.match(String((s.wrong_secret_write as { message: string }).message), /PUT of \/vsis3\/gdal-geo\/raw\/denied\.bin failed/);
    assert.ok(Number(s.seconds) < 10, `error step took ${String(s.seconds)} s`);
    const missing = seen.filter((q) => q.url.split('?')[0] === `/${bucket}/missing.tif`);
    assert.ok(missing.length >= 1 && missing.every((q) => q.status === 404), missing.map((q) => `${q.method} ${q.status}`).join(','));
    // Refused on its headers, before the body (Expect: 100-continue), so not a `request` event.
    assert.deepEqual(refused.filter((q) => q.url === `/${bucket}/raw/denied.bin`).map((q) => [q.method, q.status]), [['PUT', 403]]);
  });

  await t.test('gdal-bin: gdalinfo -stats -checksum, gdal_translate and ogr2ogr from /vsis3/ to /vsis3/, ogrinfo', async () => {
    const before = seen.length;
    const info = JSON.parse((await runOk(gdal.bin.gdalinfo!, ['-json', '-stats', '-checksum', `${S3}/rasters/noise.cog.tif`], { env })).stdout) as {
      size: number[];
      bands: { checksum: number; mean: number }[];
    };
    assert.deepEqual(info.size, [2048, 2048]);
    assert.deepEqual(info.bands.map((b) => b.checksum), cog.checksums);
    // GDAL_PAM_ENABLED=NO: reading stats wrote nothing to the bucket.
    assert.deepEqual(seen.slice(before).filter((q) => q.method !== 'GET' && q.method !== 'HEAD').map((q) => `${q.method} ${q.url}`), []);
    assert.ok(rangedReads(seen.slice(before), cogPath).length >= 1);

    const win = `${S3}/rasters/window.tif`;
    await runOk(gdal.bin.gdal_translate!, ['-q', '--config', 'CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE', 'YES', '-srcwin', '0', '0', '512', '512', `${S3}/rasters/noise.cog.tif`, win], { env });
    const winInfo = JSON.parse((await runOk(gdal.bin.gdalinfo!, ['-json', '-checksum', win], { env })).stdout) as { size: number[]; bands: { checksum: number }[] };
    assert.deepEqual(winInfo.size, [512, 512]);
    assert.deepEqual(winInfo.bands.map((b) => b.checksum), cog.window_checksums);

    const geojson = `${S3}/vectors/cities.geojson`;
    await runOk(gdal.bin.ogr2ogr!, ['-f', 'GeoJSON', geojson, `${S3}/vectors/cities.fgb`], { env });
    const oi = await runOk(gdal.bin.ogrinfo!, ['-al', '-ro', geojson], { env });
    assert.match(oi.stdout, /Feature Count: 4/);
    for (const [name, x, y, pop] of CITIES) {
      assert.match(oi.stdout, new RegExp(`name \\(String\\) = ${String(name)}\\n\\s+pop \\(Integer\\) = ${String(pop)}\\n\\s+POINT \\(${String(x)} ${String(y)}\\)`));
    }
    // A missing file: a clean error from the program, exit 1.
    const gone = await run(gdal.bin.gdalinfo!, [`${S3}/rasters/missing.tif`], { env, timeoutMs: 30_000 });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /ERROR 13: The specified key does not exist\./);
  });

  await t.test('every request signed, none answered 5xx', () => {
    assert.ok(seen.length > 50, `requests: ${seen.length}`);
    assert.deepEqual(seen.filter((q) => (q.status ?? 0) >= 500).map((q) => `${q.method} ${q.url} ${q.status}`), []);
    assert.ok(seen.every((q) => /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/s3\/aws4_request, ?SignedHeaders=/.test(String(q.headers.authorization))));
  });
});
