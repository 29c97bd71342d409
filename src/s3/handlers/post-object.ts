/**
 * POST /{b} with `multipart/form-data`: PostObject, the browser form upload (API_PostObject,
 * RESTObjectPOST; "Browser-Based Uploads Using POST (AWS Signature Version 4)"). The form carries
 * what PutObject takes from headers, plus its own credentials: `policy` and its signature (SigV4
 * `x-amz-*` fields, or SigV2 `AWSAccessKeyId` / `signature`), or none (an anonymous upload, allowed
 * only where the bucket's ACL or policy lets anyone write).
 *
 *   parse the fields before `file` → verify signature and policy → authorise the PutObject of the
 *   form's key (authz.ts, as for PutObject) → stream the file part into engine.putObject → render
 *
 * The file part is never buffered: its bytes go from the request to the engine as they arrive
 * (form.ts). Fields after `file` are ignored, as S3 does; the form is still read to its end before
 * the commit, so a second file (IncorrectNumberOfFilesInPostRequest) or a broken body leaves
 * nothing behind.
 */
import type { BucketInfo, ObjectVersion, PutOptions } from '../../engine/index.js';
import { postSignatureKind, missingFormField, verifyPostSignature, type AuthResult, type PostSignatureFields } from '../auth/index.js';
import { authorize } from '../authz.js';
import { digestName, stallGuard } from '../body.js';
import { declaredChecksum, verifyChecksum } from '../checksum/index.js';
import type { Handler, Identity, RequestContext, UserCredentials } from '../context.js';
import { S3Error, S3Errors } from '../errors.js';
import { MultipartForm, type FormPart } from '../form.js';
import { asFieldHeader, expirationHeader, versionAttrsOf } from '../object-headers.js';
import type { OperationOf, S3Operation } from '../operations.js';
import { checkPostPolicy, parsePostPolicy } from '../post-policy.js';
import { empty, xml } from '../respond.js';
import { checkKeyLength } from '../router.js';
import type { S3Response } from '../types.js';
import { parseFormTagging } from '../xml/config.js';
import { renderXml } from '../xml/codec.js';
import { urlEncodeKey } from '../xml/escape.js';
import { checksumHeaders, requestedObjectAcl, writtenVersionHeader } from './object-write.js';

/**
 * The most the fields before the file may hold, names and values together: "Your POST request
 * fields preceding the upload file were too large" (MaxPostPreDataLengthExceeded, S3 error code
 * list) past 20 KB.
 */
export const MAX_POST_PRE_DATA = 20 * 1024;

/** Form fields that are not object attributes (x-amz-* names here are the signature's). */
const NOT_HEADERS = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature', 'x-amz-security-token']);

/** Form fields PutObject would take as these headers. */
const HEADER_FIELDS = new Set(['cache-control', 'content-type', 'content-disposition', 'content-encoding', 'content-language', 'expires']);

export const postObject: Handler<OperationOf<'PostObject'>> = async (ctx, op) => {
  const contentType = ctx.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) {
    // S3's answer to a bucket POST of another type (S3 answers quoted in blueimp/jQuery-File-Upload#2586
    // and benjreinhart/react-native-aws3#26).
    throw S3Errors.PreconditionFailed({ fields: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' } });
  }
  // The bucket first: a missing one is NoSuchBucket, and its CORS rules apply to every answer,
  // errors included (a browser reads an answer only with them).
  const bucket = await ctx.engine.getBucket(op.bucket);
  if (!bucket) throw S3Errors.NoSuchBucket({ fields: { BucketName: op.bucket } });
  ctx.bucket = bucket;
  ctx.bodyRead = true;
  const form = new MultipartForm(stallGuard(ctx.req.body, ctx.config.bodyStallMs), contentType);
  try {
    const { fields, file } = await readFieldsBeforeFile(form);
    const key = formKey(fields, file);
    fields.set('key', key);
    const auth = await authenticateForm(ctx, fields);
    const range = await checkPolicy(ctx, fields, op.bucket, auth);
    const identity: Identity = auth.kind === 'signed' ? { kind: 'user', user: auth.credentials.user } : { kind: 'anonymous' };
    // A Requester Pays bucket's charges are accepted with the `x-amz-request-payer` header "for
    // DELETE, GET, HEAD, POST, and PUT requests" (user guide, ObjectsinRequesterPaysBuckets.html), a
    // header of the request, not a field of the form: authz must see it (or the form's field).
    const payer = ctx.headers['x-amz-request-payer'];
    const headers = { ...(payer === undefined ? {} : { 'x-amz-request-payer': payer }), ...headersOf(fields) };
    // The PutObject the form asks for, authorised as a PUT of the key with these headers would be
    // (bucket policy and ACL, s3:PutObjectAcl / s3:PutObjectTagging for `acl` / `tagging`).
    const putOp: S3Operation = { kind: 'PutObject', bucket: op.bucket, key, action: 's3:PutObject', access: 'bucket-write' };
    const put: RequestContext = { ...ctx, op: putOp, headers, auth, identity };
    await authorize(put);
    const target = put.bucket ?? bucket;

    const opts = await putOptionsOf(put, target, fields.get('tagging'), range?.min ?? 0);
    const max = Math.min(range?.max ?? Infinity, ctx.config.maxPutSize);
    const v = await ctx.engine.putObject({ bucket: op.bucket, key, bucketId: target.id }, fileBytes(form, file, max, ctx.config.maxPutSize), opts);
    return respond(ctx, fields, target, key, v);
  } finally {
    form.stop();
  }
};

/**
 * The key the form names: `${filename}` is the name of the file the user picked (RESTObjectPOST,
 * `key`). A file sent as a plain field has no name, and S3 keeps `${filename}` as written (AWS
 * recording in LocalStack's tests/aws/services/s3/test_s3.snapshot.json
 * TestS3PresignedPost::test_post_object_with_file_as_string: list-objects holds the key
 * `file-as-field-${filename}`). The caller checks the policy against this key, the one stored, as
 * MinIO does.
 */
function formKey(fields: Map<string, string>, file: FormPart): string {
  const rawKey = fields.get('key');
  if (rawKey === undefined) throw missingFormField('key');
  const key = file.kind === 'file' ? rawKey.replaceAll('${filename}', file.filename ?? '') : rawKey;
  if (key === '') throw S3Errors.InvalidArgument({ message: 'User key must have a length greater than 0.', fields: { ArgumentName: 'key', ArgumentValue: '' } });
  checkKeyLength(key);
  return key;
}

/**
 * The engine options of the form's put (`put`: the authorised PutObject, its headers the form's):
 * attributes (`tagging` is an XML document here, not x-amz-tagging's query form), the requested
 * ACL, a declared checksum and the policy's minimum size (content-length-range), both checked
 * before the commit.
 */
async function putOptionsOf(put: RequestContext, target: BucketInfo, tagging: string | undefined, min: number): Promise<PutOptions> {
  const headers = put.headers;
  const attrs = versionAttrsOf(tagging === undefined ? headers : withoutTagging(headers));
  if (tagging !== undefined) attrs.tags = parseFormTagging(tagging);
  const acl = await requestedObjectAcl(put, target);
  const declared = declaredChecksum(headers);
  const opts: PutOptions = {
    checksumAlgorithm: declared?.algorithm,
    digests: declared ? [digestName(declared.algorithm)] : [],
    maxSize: put.config.maxPutSize,
    verify: (d) => {
      if (d.size < min) throw S3Errors.EntityTooSmall({ message: 'Your proposed upload is smaller than the minimum allowed size', fields: { ProposedSize: d.size, MinSizeAllowed: min } });
      if (declared?.source === 'header') verifyChecksum(declared.algorithm, declared.value, d[digestName(declared.algorithm)]!);
    },
  };
  if (acl) opts.acl = acl;
  return Object.assign(opts, attrs);
}

/**
 * The fields up to the `file` part (names lower-case; a repeated field keeps its first value) and
 * that part. Parts with a filename other than `file` are fields too (python-requests sends every
 * field of `files=` so; ceph/s3-tests does).
 */
async function readFieldsBeforeFile(form: MultipartForm): Promise<{ fields: Map<string, string>; file: FormPart }> {
  const fields = new Map<string, string>();
  let size = 0;
  for (;;) {
    const part = await form.next();
    if (!part) throw S3Errors.IncorrectNumberOfFilesInPostRequest();
    const name = part.name.toLowerCase();
    if (name === 'file') return { fields, file: part };
    const room = MAX_POST_PRE_DATA - size - Buffer.byteLength(part.name);
    const value = part.kind === 'field' ? part.value : await smallFile(part.stream, room).catch((e: unknown) => {
      throw e instanceof S3Error ? e : form.failure(e);
    });
    size += Buffer.byteLength(part.name) + Buffer.byteLength(value);
    if (size > MAX_POST_PRE_DATA || (part.kind === 'field' && part.truncated)) throw S3Errors.MaxPostPreDataLengthExceeded();
    if (!fields.has(name)) fields.set(name, value);
  }
}

/** A field sent as a file part, read up to `room` bytes (one more means "too large"). */
async function smallFile(stream: NodeJS.ReadableStream, room: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > room) throw S3Errors.MaxPostPreDataLengthExceeded();
    parts.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The form's signature, verified (SigV4 or SigV2), or anonymous when it has none. */
async function authenticateForm(ctx: RequestContext, fields: Map<string, string>): Promise<AuthResult<UserCredentials>> {
  const sig: PostSignatureFields = {};
  for (const name of ['policy', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature', 'x-amz-security-token', 'awsaccesskeyid', 'signature'] as const) {
    const v = fields.get(name);
    if (v !== undefined) sig[name] = v;
  }
  if (postSignatureKind(sig) === 'anonymous') {
    // A policy is signed by its owner's key: without one it grants nothing (RESTObjectPOST:
    // AWSAccessKeyId is required "if a policy document is included with the request"). A form
    // holding `key` and `policy` and no field of either signature is 403 AccessDenied "Access
    // Denied" from S3 (LocalStack's AWS recordings, test_s3.py
    // TestS3PresignedUrl::test_post_request_missing_fields[s3]/[s3v4] exception-no-sig-related-fields),
    // not the 400 for a missing AWSAccessKeyId that a form with a SigV2 signature and no key id gets.
    if (sig.policy !== undefined) throw S3Errors.AccessDenied();
    return { kind: 'anonymous', payload: { kind: 'unsigned' } };
  }
  return verifyPostSignature<UserCredentials>(sig, {
    lookupSecret: async (accessKey) => {
      const user = await ctx.engine.getUser(accessKey);
      return user ? { secret: user.secretKey, user } : undefined;
    },
    now: ctx.config.clock,
    allowSigV2: ctx.config.allowSigV2,
    strictRegion: ctx.config.strictRegion,
  });
}

/** Check a signed form against its policy; answers the policy's content-length-range. */
async function checkPolicy(ctx: RequestContext, fields: Map<string, string>, bucket: string, auth: AuthResult<UserCredentials>): Promise<{ min: number; max: number } | undefined> {
  const b64 = fields.get('policy');
  if (auth.kind !== 'signed' || b64 === undefined) return undefined;
  const policy = parsePostPolicy(b64);
  checkPostPolicy(policy, fields, bucket, ctx.config.clock());
  return policy.lengthRange;
}

/**
 * The PutObject headers the form's fields stand for (`acl` is `x-amz-acl`, `tagging` marks
 * x-amz-tagging). A form field, unlike a header, may hold any character: each goes through
 * asFieldHeader (an `x-amz-meta-*` name must be an HTTP token, a value becomes fit to be a header).
 */
function headersOf(fields: Map<string, string>): Record<string, string | undefined> {
  const h: Record<string, string | undefined> = {};
  for (const [name, value] of fields) {
    if (!HEADER_FIELDS.has(name) && !(name.startsWith('x-amz-') && !NOT_HEADERS.has(name))) continue;
    h[name] = asFieldHeader(name, value);
  }
  if (fields.has('acl')) h['x-amz-acl'] = fields.get('acl');
  if (fields.has('tagging')) h['x-amz-tagging'] = fields.get('tagging');
  return h;
}

function withoutTagging(h: Record<string, string | undefined>): Record<string, string | undefined> {
  const copy = { ...h };
  delete copy['x-amz-tagging'];
  return copy;
}

/**
 * The file part's bytes, at most `max` (content-length-range, else the largest PUT): past it
 * EntityTooLarge, as S3 answers (RESTObjectPOST, content-length-range), with the file's size as
 * ProposedSize beside MaxSizeAllowed, as S3's answers to forms carry it
 * (`<ProposedSize>710336</ProposedSize><MaxSizeAllowed>709960</MaxSizeAllowed>`,
 * infinitered/apisauce#245; froala/wysiwyg-editor#1625; versitygw
 * PostObject_policy_content_length_too_large). To know that size the rest of the file is read and
 * dropped, up to `readLimit` (the largest PUT) past which the answer has MaxSizeAllowed alone.
 * After the file the rest of the form is read and ignored; a second file fails the upload.
 */
async function* fileBytes(form: MultipartForm, file: FormPart, max: number, readLimit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  const tooLarge = (proposed?: number): Error =>
    S3Errors.EntityTooLarge({ fields: proposed === undefined ? { MaxSizeAllowed: max } : { ProposedSize: proposed, MaxSizeAllowed: max } });
  if (file.kind === 'field') {
    // Text content (no filename): busboy holds at most MAX_FORM_FIELD_BYTES of it.
    if (file.truncated) throw tooLarge();
    const bytes = Buffer.from(file.value, 'utf8');
    if (bytes.length > max) throw tooLarge(bytes.length);
    if (bytes.length > 0) yield bytes;
  } else {
    try {
      let over = false;
      for await (const chunk of file.stream) {
        size += (chunk as Uint8Array).length;
        if (size > readLimit) throw tooLarge();
        if (size > max) over = true;
        if (!over) yield chunk as Uint8Array;
      }
      if (over) throw tooLarge(size);
    } catch (e) {
      throw e instanceof S3Error ? e : form.failure(e);
    }
  }
  for (;;) {
    const part = await form.next();
    if (!part) return;
    if (part.name.toLowerCase() === 'file') throw S3Errors.IncorrectNumberOfFilesInPostRequest();
    if (part.kind === 'file') part.stream.resume();
  }
}

/**
 * The answer (RESTObjectPOST): `success_action_redirect` (or the older `redirect`) → 303 to it with
 * `bucket`, `key` and `etag` added to its query; else `success_action_status` 200 (empty), 201 (a
 * `<PostResponse>` document) or 204, the default for anything else. ETag and Location headers as S3
 * sends them, and PutObject's `x-amz-expiration` when a lifecycle Expiration applies to the new
 * object: POST is "an alternate form of PUT" (RESTObjectPOST), and the PostObject answer LocalStack
 * models after S3 carries `Expiration` as `x-amz-expiration` (its spec patch's PostResponse).
 */
function respond(ctx: RequestContext, fields: Map<string, string>, target: BucketInfo, key: string, v: ObjectVersion): S3Response {
  const bucket = target.name;
  const headers: Record<string, string> = Object.assign({ etag: v.etag }, writtenVersionHeader(v), checksumHeaders(v.checksum), expirationHeader(target, v));
  const redirect = redirectUrl(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect) {
    const q = `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(v.etag)}`;
    redirect.search = redirect.search ? `${redirect.search}&${q}` : q;
    return empty(303, Object.assign(headers, { location: redirect.href }));
  }
  const location = objectUrl(ctx, bucket, key);
  headers.location = location;
  const status = fields.get('success_action_status');
  if (status === '201') {
    return xml(renderXml('PostResponse', { Location: location, Bucket: bucket, Key: key, ETag: v.etag }, { namespace: false }), headers, 201);
  }
  return empty(status === '200' ? 200 : 204, headers);
}

/**
 * The http(s) URL of `success_action_redirect`, or undefined when it is none (S3 then answers as
 * without it, RESTObjectPOST). The URL parser's form of it, whose characters a Location header can
 * carry: the field's raw text may hold CR/LF, which Node refuses in a header — the object was
 * stored and the answer was a 500.
 */
function redirectUrl(field: string | undefined): URL | undefined {
  if (field === undefined || !/^https?:\/\/[^/?#]+/i.test(field)) return undefined;
  try {
    return new URL(field);
  } catch {
    return undefined;
  }
}

/** The new object's URL, in the addressing style of the request (virtual-hosted: the path is `/`). */
function objectUrl(ctx: RequestContext, bucket: string, key: string): string {
  const base = `${ctx.req.secure ? 'https' : 'http'}://${ctx.headers.host ?? 'localhost'}`;
  const pathStyle = ctx.path.replace(/^\//, '') !== '';
  return pathStyle ? `${base}/${encodeURIComponent(bucket)}/${urlEncodeKey(key)}` : `${base}/${urlEncodeKey(key)}`;
}
