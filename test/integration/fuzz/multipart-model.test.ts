/**
 * Model-based property of multipart uploads (issues #3/#4): a random sequence of
 * CreateMultipartUpload (several uploads, some of one key), UploadPart (part numbers 1–6 and out of
 * range, overwrites, sizes 0–40 bytes so parts below the 5-byte minimum of these gateways are
 * common), UploadPartCopy (of a stored object, whole or a byte range), CompleteMultipartUpload (a
 * random ascending selection of the uploaded parts, or one mistake: parts out of order, a part not
 * uploaded, a wrong ETag, no part at all), AbortMultipartUpload (also of a finished upload) and
 * PutObject of copy sources, checked after every step against a plain model (API_UploadPart,
 * API_ListParts, API_CompleteMultipartUpload, API_AbortMultipartUpload, API_ListMultipartUploads):
 * the step's answer; ListParts of the upload paged with random max-parts / part-number-marker
 * (numbers ascending, ETag and size of the last write of each part, NoSuchUpload once finished);
 * ListMultipartUploads (uploads in progress, by key); a completed object's bytes (the listed parts
 * in order) and ETag (MD5 of the part MD5s, dash, count). A refused completion leaves the upload
 * as it was. Through fastify.inject (harness.ts); FUZZ_BACKEND=local runs it over LMDB + files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FC_PARAMS, RUNS, fuzzer, type FuzzAnswer, type FuzzRequest } from './harness.js';
import { child, cmpUtf8, decodeValue, keyPath, q } from '../s3/listing-model.js';

const MIN_PART = 5;
const KEYS = ['k', 'k/a', 'dir/é', 'z 1'];

interface MPart {
  body: Buffer;
  etag: string;
}

interface MUpload {
  key: string;
  id: string;
  parts: Map<number, MPart>;
  /** Finished (completed or aborted): only NoSuchUpload from now on, but for a retried Complete. */
  done: boolean;
  /** Completed: the part list (`n etag …`) and the ETag, which a retried Complete with the same list gets again. */
  completed?: { list: string; etag: string };
}

type Mistake = 'none' | 'order' | 'missing' | 'etag' | 'empty';

type Step =
  | { op: 'create'; key: number }
  | { op: 'part'; upload: number; n: number; size: number; fill: number }
  | { op: 'copyPart'; upload: number; n: number; src: number; range: [number, number] | null }
  | { op: 'complete'; upload: number; pick: boolean[]; mistake: Mistake }
  | { op: 'abort'; upload: number }
  | { op: 'putSource'; src: number; size: number; fill: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('create' as const), key: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('part' as const), upload: fc.nat(), n: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 10000, 10001) }), size: fc.nat({ max: 40 }), fill: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copyPart' as const), upload: fc.nat(), n: fc.integer({ min: 1, max: 6 }), src: fc.nat(), range: fc.option(fc.tuple(fc.nat({ max: 50 }), fc.nat({ max: 50 })), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('complete' as const), upload: fc.nat(), pick: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), mistake: fc.constantFrom<Mistake>('none', 'none', 'none', 'order', 'missing', 'etag', 'empty') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), upload: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('putSource' as const), src: fc.nat(), size: fc.nat({ max: 60 }), fill: fc.nat() }) },
);

const scenarioArb = fc.array(fc.record({ step: stepArb, maxParts: fc.constantFrom(1, 2, 3, 1000), marker: fc.option(fc.nat({ max: 7 }), { nil: undefined }) }), { minLength: 1, maxLength: 30 });

const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const bytes = (size: number, fill: number, tag: string): Buffer => Buffer.from(`${tag}${fill}:`.repeat(size).slice(0, size));

let buckets = 0;

test('multipart model: random sequences of part uploads, copies, completions and aborts answer as the model says after every step', async (t) => {
  const f = await fuzzer(t);
  await fc.assert(fc.asyncProperty(scenarioArb, async (steps) => {
    const bucket = `mpm-${++buckets}`;
    const send = (r: FuzzRequest): Promise<FuzzAnswer> => f.send(r);
    const must = async (r: FuzzRequest, status: number, codes: string[] | undefined, what: string): Promise<FuzzAnswer> => {
      const a = await send(r);
      const detail = `${what}: ${r.method} ${r.path} → ${a.status} ${a.text.slice(0, 400)}`;
      // CompleteMultipartUpload may report a failure inside a 200 (S3 does after a long merge).
      const failedIn200 = a.status === 200 && /<Error>/.test(a.text);
      assert.equal(failedIn200 ? 400 : a.status, status, detail);
      if (codes) assert.ok(a.code !== undefined && codes.includes(a.code), `${detail} (want ${codes.join(' or ')})`);
      else assert.ok(!failedIn200, detail);
      return a;
    };
    await must({ method: 'PUT', path: `/${bucket}` }, 200, undefined, 'CreateBucket');
    const uploads: MUpload[] = [];
    const sources = new Map<string, Buffer>();
    const objects = new Map<string, { body: Buffer; etag: string }>();
    const uploadOf = (i: number): MUpload | undefined => (uploads.length === 0 ? undefined : uploads[i % uploads.length]);
    const upPath = (u: MUpload): string => `${keyPath(bucket, u.key)}?uploadId=${encodeURIComponent(u.id)}`;

    for (const [index, { step, maxParts, marker }] of steps.entries()) {
      let touched: MUpload | undefined;
      switch (step.op) {
        case 'create': {
          const key = KEYS[step.key % KEYS.length]!;
          const a = await must({ method: 'POST', path: `${keyPath(bucket, key)}?uploads` }, 200, undefined, 'CreateMultipartUpload');
          touched = { key, id: child(a.text, 'UploadId')!, parts: new Map(), done: false };
          uploads.push(touched);
          break;
        }
        case 'putSource': {
          const key = `src-${step.src % 3}`;
          const body = bytes(step.size, step.fill, `s${index}`);
          await must({ method: 'PUT', path: keyPath(bucket, key), body }, 200, undefined, 'PutObject');
          sources.set(key, body);
          break;
        }
        case 'part': {
          const u = uploadOf(step.upload);
          if (!u) break;
          touched = u;
          const body = bytes(step.size, step.fill, `p${index}`);
          const r = { method: 'PUT', path: `${keyPath(bucket, u.key)}?partNumber=${step.n}&uploadId=${encodeURIComponent(u.id)}`, body };
          // API_UploadPart: "Part numbers can be any number from 1 to 10,000, inclusive."
          if (step.n < 1 || step.n > 10000) await must(r, 400, ['InvalidArgument'], 'UploadPart out of range');
          else if (u.done) await must(r, 404, ['NoSuchUpload'], 'UploadPart of a finished upload');
          else {
            const a = await must(r, 200, undefined, 'UploadPart');
            assert.equal(a.headers.etag, `"${md5hex(body)}"`, 'UploadPart ETag');
            u.parts.set(step.n, { body, etag: `"${md5hex(body)}"` });
          }
          break;
        }
        case 'copyPart': {
          const u = uploadOf(step.upload);
          const srcKey = `src-${step.src % 3}`;
          const src = sources.get(srcKey);
          if (!u) break;
          touched = u;
          const headers: Record<string, string> = { 'x-amz-copy-source': `/${bucket}/${q(srcKey)}` };
          if (step.range) headers['x-amz-copy-source-range'] = `bytes=${step.range[0]}-${step.range[1]}`;
          const r = { method: 'PUT', path: `${keyPath(bucket, u.key)}?partNumber=${step.n}&uploadId=${encodeURIComponent(u.id)}`, headers };
          if (!src) {
            const a = await send(r);
            assert.ok(a.status === 404 && (a.code === 'NoSuchKey' || a.code === 'NoSuchUpload'), `UploadPartCopy of a missing source: ${a.status} ${a.text}`);
            break;
          }
          if (u.done) {
            await must(r, 404, ['NoSuchUpload'], 'UploadPartCopy to a finished upload');
            break;
          }
          // API_UploadPartCopy: the range must lie within the source (first ≤ last < size).
          if (step.range && (step.range[0] > step.range[1] || step.range[1] >= src.length)) {
            await must(r, 400, ['InvalidArgument', 'InvalidRange'], 'UploadPartCopy with a range outside the source');
            break;
          }
          const body = step.range ? src.subarray(step.range[0], step.range[1] + 1) : src;
          const a = await must(r, 200, undefined, 'UploadPartCopy');
          assert.equal(decodeValue(child(a.text, 'ETag') ?? '', false), `"${md5hex(body)}"`, `UploadPartCopy ETag: ${a.text}`);
          u.parts.set(step.n, { body, etag: `"${md5hex(body)}"` });
          break;
        }
        case 'complete': {
          const u = uploadOf(step.upload);
          if (!u) break;
          touched = u;
          const numbers = [...u.parts.keys()].sort((x, y) => x - y);
          let listed = numbers.filter((n, i) => step.pick[i % 6] || i === numbers.length - 1).map((n) => ({ n, etag: u.parts.get(n)!.etag }));
          const codes = new Set<string>();
          if (step.mistake === 'order' && listed.length >= 2) {
            listed = [listed[1]!, listed[0]!, ...listed.slice(2)];
            codes.add('InvalidPartOrder');
          } else if (step.mistake === 'missing') {
            const absent = [1, 2, 3, 4, 5, 6, 7].find((n) => !u.parts.has(n))!;
            listed = [...listed, { n: absent, etag: '"00000000000000000000000000000000"' }].sort((x, y) => x.n - y.n);
            codes.add('InvalidPart');
          } else if (step.mistake === 'etag' && listed.length > 0) {
            listed = listed.map((p, i) => (i === 0 ? { ...p, etag: '"ffffffffffffffffffffffffffffffff"' } : p));
            codes.add('InvalidPart');
          } else if (step.mistake === 'empty') listed = [];
          // "You must specify at least one part" (S3 answers MalformedXML; InvalidRequest elsewhere).
          if (listed.length === 0) codes.add('MalformedXML').add('InvalidRequest').add('InvalidArgument');
          const chosen = listed.map((p) => u.parts.get(p.n)).filter((p) => p !== undefined);
          // API_CompleteMultipartUpload: EntityTooSmall when a part but the last is under the minimum.
          if (chosen.slice(0, -1).some((p) => p.body.length < MIN_PART)) codes.add('EntityTooSmall');
          const xml = `<CompleteMultipartUpload>${listed.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
          const r = { method: 'POST', path: upPath(u), body: xml };
          const list = listed.map((p) => `${p.n} ${p.etag}`).join(' ');
          if (u.done && u.completed?.list === list && listed.length > 0) {
            // A retry with the same parts: S3 answers 200 again for hours (engine/multipart.ts
            // COMPLETED_UPLOAD_TTL_MS; adobe/S3Mock#2586) and stores nothing new.
            const a = await must(r, 200, undefined, 'CompleteMultipartUpload retried');
            assert.equal(decodeValue(child(a.text, 'ETag') ?? '', false), u.completed.etag, 'retried CompleteMultipartUpload ETag');
          } else if (u.done && listed.length === 0) {
            // Which comes first, the empty list or the missing upload, S3 does not say: either.
            const a = await send(r);
            assert.ok((a.status === 400 && codes.has(a.code ?? '')) || (a.status === 404 && a.code === 'NoSuchUpload'), `CompleteMultipartUpload of a finished upload, no part: ${a.status} ${a.text}`);
          }
          else if (u.done) await must(r, 404, ['NoSuchUpload'], 'CompleteMultipartUpload of a finished upload');
          else if (codes.size > 0) await must(r, 400, [...codes], `CompleteMultipartUpload (${step.mistake})`);
          else {
            const a = await must(r, 200, undefined, 'CompleteMultipartUpload');
            const etag = `"${createHash('md5').update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex')))).digest('hex')}-${chosen.length}"`;
            assert.equal(decodeValue(child(a.text, 'ETag') ?? '', false), etag, 'CompleteMultipartUpload ETag');
            u.done = true;
            u.completed = { list, etag };
            objects.set(u.key, { body: Buffer.concat(chosen.map((p) => p.body)), etag });
          }
          break;
        }
        case 'abort': {
          const u = uploadOf(step.upload);
          if (!u) break;
          touched = u;
          if (u.done) await must({ method: 'DELETE', path: upPath(u) }, 404, ['NoSuchUpload'], 'AbortMultipartUpload of a finished upload');
          else {
            await must({ method: 'DELETE', path: upPath(u) }, 204, undefined, 'AbortMultipartUpload');
            u.done = true;
          }
          break;
        }
      }

      // ListParts of the touched upload, paged to the end.
      if (touched) {
        const u = touched;
        if (u.done) await must({ method: 'GET', path: upPath(u) }, 404, ['NoSuchUpload'], 'ListParts of a finished upload');
        else {
          const got: string[] = [];
          let pm = marker;
          for (let pages = 0; ; pages++) {
            assert.ok(pages < 20, 'ListParts paging does not end');
            const a = await must({ method: 'GET', path: `${upPath(u)}&max-parts=${maxParts}${pm === undefined ? '' : `&part-number-marker=${pm}`}` }, 200, undefined, 'ListParts');
            const parts = [...a.text.matchAll(/<Part>(.*?)<\/Part>/gs)].map((x) => x[1]!);
            assert.ok(parts.length <= maxParts, `ListParts: ${parts.length} parts on a page of ${maxParts}`);
            got.push(...parts.map((p) => `${child(p, 'PartNumber')} ${decodeValue(child(p, 'ETag') ?? '', false)} ${child(p, 'Size')}`));
            if (child(a.text, 'IsTruncated') !== 'true') break;
            pm = Number(child(a.text, 'NextPartNumberMarker'));
          }
          const want = [...u.parts].filter(([n]) => marker === undefined || n > marker).sort(([x], [y]) => x - y).map(([n, p]) => `${n} ${p.etag} ${p.body.length}`);
          assert.deepEqual(got, want, `ListParts of ${u.key} from ${marker} by ${maxParts}`);
        }
      }

      // ListMultipartUploads: the uploads in progress, by key (UTF-8 order), then by start.
      const all = await must({ method: 'GET', path: `/${bucket}?uploads` }, 200, undefined, 'ListMultipartUploads');
      const listedUploads = [...all.text.matchAll(/<Upload>(.*?)<\/Upload>/gs)].map((x) => `${decodeValue(child(x[1]!, 'Key')!, false)} ${child(x[1]!, 'UploadId')}`);
      const open = uploads.filter((u) => !u.done);
      const wantUploads = KEYS.slice().sort(cmpUtf8).flatMap((k) => open.filter((u) => u.key === k).map((u) => `${u.key} ${u.id}`));
      assert.deepEqual(listedUploads, wantUploads, 'ListMultipartUploads');
    }

    // Completed objects read back: the chosen parts in order.
    for (const [key, o] of objects) {
      const a = await send({ method: 'GET', path: keyPath(bucket, key) });
      assert.equal(a.status, 200, `GET ${key}: ${a.text}`);
      assert.ok(a.body.equals(o.body), `GET ${key}: ${a.body.length} bytes, expected ${o.body.length}`);
      assert.equal(a.headers.etag, o.etag, `ETag of ${key}`);
    }
  }), { ...FC_PARAMS, includeErrorInReport: true, numRuns: Math.max(1, Math.round(RUNS / 3)) });
  await f.alive(`mpm-${buckets}`);
});

/**
 * Two requests on one upload sent at once — Complete and Abort, Complete twice (the same parts),
 * Complete and an UploadPart overwriting a listed part, two UploadParts of one number — and after
 * both answers, the upload and the object must be as one of the two orders leaves them: never a
 * 5xx, an aborted upload completed, or an object of bytes no listed ETag names.
 */
test('multipart races: Complete, Abort and UploadPart of one upload at once end as one of the two orders', async (t) => {
  const f = await fuzzer(t);
  const race = fc.constantFrom('complete+abort', 'complete+complete', 'complete+part', 'part+part', 'abort+part');
  await fc.assert(fc.asyncProperty(race, fc.nat({ max: 20 }), fc.nat({ max: 20 }), async (kind, s1, s2) => {
    const bucket = `mpr-${++buckets}`;
    await f.send({ method: 'PUT', path: `/${bucket}` });
    const key = 'k';
    const init = await f.send({ method: 'POST', path: `${keyPath(bucket, key)}?uploads` });
    const id = encodeURIComponent(child(init.text, 'UploadId')!);
    const up = `${keyPath(bucket, key)}?uploadId=${id}`;
    const p1 = bytes(5 + s1, 1, 'one');
    const p2 = bytes(1 + s2, 2, 'two');
    for (const [n, p] of [[1, p1], [2, p2]] as const) assert.equal((await f.send({ method: 'PUT', path: `${keyPath(bucket, key)}?partNumber=${n}&uploadId=${id}`, body: p })).status, 200);
    const etag = (b: Buffer): string => `"${md5hex(b)}"`;
    const completeXml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag(p1)}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${etag(p2)}</ETag></Part></CompleteMultipartUpload>`;
    const newPart1 = bytes(7 + s2, 3, 'new');
    const reqs: Record<string, FuzzRequest> = {
      complete: { method: 'POST', path: up, body: completeXml },
      abort: { method: 'DELETE', path: up },
      part: { method: 'PUT', path: `${keyPath(bucket, key)}?partNumber=1&uploadId=${id}`, body: newPart1 },
    };
    const [x, y] = kind.split('+') as [string, string];
    const [a, b] = await Promise.all([f.send(reqs[x]!), f.send(reqs[y]!)]);
    const what = `${kind}: ${a.status} ${a.code ?? ''} / ${b.status} ${b.code ?? ''}`;
    for (const r of [a, b]) assert.ok(r.status < 500 && !/<Error>/.test(r.status === 200 ? r.text : ''), `${what}: ${r.text}`);
    const obj = await f.send({ method: 'GET', path: keyPath(bucket, key) });
    const parts = await f.send({ method: 'GET', path: up });
    const whole = Buffer.concat([p1, p2]);
    switch (kind) {
      case 'complete+abort': {
        // One wins; the other finds no upload.
        const completed = a.status === 200;
        assert.ok(completed ? b.status === 404 && b.code === 'NoSuchUpload' : a.status === 404 && a.code === 'NoSuchUpload' && b.status === 204, what);
        assert.equal(obj.status, completed ? 200 : 404, `${what}: GET → ${obj.status}`);
        if (completed) assert.ok(obj.body.equals(whole), what);
        assert.equal(parts.code, 'NoSuchUpload', `${what}: ListParts → ${parts.status}`);
        break;
      }
      case 'complete+complete':
        // The second is a retry of the first: 200 both, one object.
        assert.ok(a.status === 200 && b.status === 200, what);
        assert.equal(child(a.text, 'ETag'), child(b.text, 'ETag'), what);
        assert.ok(obj.body.equals(whole), what);
        break;
      case 'complete+part':
        // The part lands first (Complete then lists an ETag part 1 no longer has: InvalidPart), or
        // after the Complete (NoSuchUpload), or — S3 does not say — between, and then the object
        // holds the bytes the listed ETags name all the same.
        if (a.status === 200) {
          assert.ok(obj.body.equals(whole), `${what}: the object holds ${obj.body.length} bytes, not the listed parts`);
          assert.ok(b.status === 404 || b.status === 200, what);
        } else {
          assert.equal(a.code, 'InvalidPart', what);
          assert.equal(b.status, 200, what);
          assert.equal(obj.status, 404, what);
        }
        break;
      case 'part+part': {
        assert.ok(a.status === 200 && b.status === 200, what);
        const listed = [...parts.text.matchAll(/<Part>(.*?)<\/Part>/gs)].map((m) => `${child(m[1]!, 'PartNumber')} ${decodeValue(child(m[1]!, 'ETag') ?? '', false)} ${child(m[1]!, 'Size')}`);
        assert.deepEqual(listed, [`1 ${etag(newPart1)} ${newPart1.length}`, `2 ${etag(p2)} ${p2.length}`], what);
        break;
      }
      case 'abort+part':
        assert.equal(a.status, 204, what);
        assert.ok(b.status === 200 || (b.status === 404 && b.code === 'NoSuchUpload'), what);
        assert.equal(parts.code, 'NoSuchUpload', `${what}: ListParts after the abort → ${parts.status}`);
        break;
    }
  }), { ...FC_PARAMS, includeErrorInReport: true, numRuns: Math.max(1, Math.round(RUNS / 3)) });
});
