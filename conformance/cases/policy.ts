/**
 * Bucket policies: PutBucketPolicy/GetBucketPolicy/DeleteBucketPolicy/GetBucketPolicyStatus, and
 * their effect on anonymous, other-user and owner requests (Allow by principal, action and resource;
 * explicit Deny first). AWS: API_PutBucketPolicy.html, example-bucket-policies.html,
 * access-policy-language-overview.html; shared/spec/s3-surface.md §8 (policy-lite).
 */
import assert from 'node:assert/strict';
import {
  DeleteBucketPolicyCommand, GetBucketPolicyCommand, GetBucketPolicyStatusCommand, PutBucketPolicyCommand, PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, assertSdkError, bytes, otherOf, ownerId } from '../lib/wire.js';

const PUT_POLICY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html';
const GET_POLICY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html';
const DELETE_POLICY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html';
const POLICY_STATUS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html';
const EXAMPLES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html';
const EVALUATION = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html';
const ACTIONS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html';

const DATA = bytes(600, 71);

interface Statement {
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  [k: string]: unknown;
}

function doc(...Statement: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement });
}

/** A bucket with objects `public/a` and `private/a` and this policy. */
async function withPolicy(ctx: Ctx, prefix: string, policy: (b: string) => string): Promise<string> {
  const b = await ctx.bucket(prefix);
  for (const k of ['public/a', 'private/a']) await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: DATA }));
  await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b) }));
  return b;
}

async function anon(ctx: Ctx, method: string, path: string, body?: Buffer): Promise<RawResponse> {
  return ctx.raw({ method, path, body, sign: 'none' });
}

async function other(ctx: Ctx, method: string, path: string, body?: Buffer): Promise<RawResponse> {
  return ctx.raw({ method, path, body, credentials: otherOf(ctx).keys });
}

/** The other user's canonical id (it creates a bucket so that ListBuckets names its owner). */
async function otherTenant(ctx: Ctx): Promise<string> {
  const o = otherOf(ctx);
  assertOk(await ctx.raw({ method: 'PUT', path: `/pol-own-${Math.random().toString(36).slice(2, 10)}`, credentials: o.keys }));
  return ownerId(o.s3);
}

async function putPolicyRaw(ctx: Ctx, b: string, body: string): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: `/${b}?policy`, body, headers: { 'content-type': 'application/json' } });
}

/** A refused document: 400 MalformedPolicy and nothing stored. */
function malformed(name: string, body: (b: string) => string, ref = PUT_POLICY): Case {
  return {
    name: `${name}: 400 MalformedPolicy, nothing stored`,
    ref,
    async run(ctx) {
      const b = await ctx.bucket('pol-bad');
      assertError(await putPolicyRaw(ctx, b, body(b)), 400, 'MalformedPolicy');
      await assertSdkError(ctx.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 404, 'NoSuchBucketPolicy');
    },
  };
}

const publicRead = (b: string): string => doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/public/*` });

export const cases: Case[] = [
  {
    name: 'PutBucketPolicy then GetBucketPolicy returns the same document',
    ref: GET_POLICY,
    async run(ctx) {
      const b = await ctx.bucket('pol-rt');
      const text = publicRead(b);
      await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: text }));
      const out = await ctx.s3.send(new GetBucketPolicyCommand({ Bucket: b }));
      assert.deepEqual(JSON.parse(out.Policy ?? ''), JSON.parse(text));
    },
  },
  {
    name: 'GetBucketPolicy without a policy: 404 NoSuchBucketPolicy',
    ref: GET_POLICY,
    async run(ctx) {
      const b = await ctx.bucket('pol-none');
      await assertSdkError(ctx.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 404, 'NoSuchBucketPolicy');
    },
  },
  {
    name: 'DeleteBucketPolicy: 204, then GetBucketPolicy 404 and the access it granted is gone',
    ref: DELETE_POLICY,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-del', publicRead);
      assertOk(await anon(ctx, 'GET', objectPath(b, 'public/a')));
      assertOk(await ctx.raw({ method: 'DELETE', path: `/${b}?policy` }), 204);
      await assertSdkError(ctx.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 404, 'NoSuchBucketPolicy');
      assertError(await anon(ctx, 'GET', objectPath(b, 'public/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'PutBucketPolicy on a missing bucket: 404 NoSuchBucket',
    ref: PUT_POLICY,
    async run(ctx) {
      assertError(await putPolicyRaw(ctx, 'pol-missing-bucket-0x', publicRead('pol-missing-bucket-0x')), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'Principal "*" s3:GetObject on public/*: anonymous GET public/a 200',
    ref: EXAMPLES,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-pub', publicRead);
      const res = await anon(ctx, 'GET', objectPath(b, 'public/a'));
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  },
  {
    name: 'the same policy: anonymous GET outside the resource pattern (private/a): 403',
    ref: EXAMPLES,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-outside', publicRead);
      assertError(await anon(ctx, 'GET', objectPath(b, 'private/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'the same policy: anonymous PUT into public/ (action not granted): 403',
    ref: EXAMPLES,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-noput', publicRead);
      assertError(await anon(ctx, 'PUT', objectPath(b, 'public/new'), DATA), 403, 'AccessDenied');
    },
  },
  {
    name: 'the same policy: anonymous ListObjects (s3:ListBucket not granted): 403',
    ref: ACTIONS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-nolist', publicRead);
      assertError(await anon(ctx, 'GET', `/${b}`), 403, 'AccessDenied');
    },
  },
  {
    name: 's3:ListBucket on the bucket ARN: anonymous ListObjectsV2 200, GetObject still 403',
    ref: ACTIONS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-list', (n) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${n}` }));
      const res = await anon(ctx, 'GET', `/${b}?list-type=2`);
      assertOk(res);
      assert.match(res.text, /<Key>public\/a<\/Key>/);
      assertError(await anon(ctx, 'GET', objectPath(b, 'public/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'Principal {"AWS": "*"} is everyone: anonymous GET 200',
    ref: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-awsstar', (n) => doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'private/a')));
    },
  },
  {
    name: 'Principal {"AWS": [<other user\'s access key>]}: that user reads, anonymous does not',
    ref: 'shared/spec/s3-surface.md §8',
    async run(ctx) {
      const ak = otherOf(ctx).keys.accessKeyId;
      const b = await withPolicy(ctx, 'pol-ak', (n) => doc({ Effect: 'Allow', Principal: { AWS: [ak] }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await other(ctx, 'GET', objectPath(b, 'private/a')));
      assertError(await anon(ctx, 'GET', objectPath(b, 'private/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'Principal {"AWS": "<other user\'s canonical id>"}: that user reads',
    ref: 'shared/spec/s3-surface.md §8',
    async run(ctx) {
      const tenant = await otherTenant(ctx);
      const b = await withPolicy(ctx, 'pol-tenant', (n) => doc({ Effect: 'Allow', Principal: { AWS: tenant }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await other(ctx, 'GET', objectPath(b, 'private/a')));
    },
  },
  {
    name: 'Principal {"AWS": "arn:aws:iam::<canonical id>:root"}: that user reads',
    ref: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
    async run(ctx) {
      const tenant = await otherTenant(ctx);
      const b = await withPolicy(ctx, 'pol-arn', (n) => doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${tenant}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await other(ctx, 'GET', objectPath(b, 'private/a')));
    },
  },
  {
    name: 'an Allow naming another principal does not let the other user in: 403',
    ref: EVALUATION,
    async run(ctx) {
      // The named principal must exist (a made-up one is MalformedPolicy): the bucket owner's key.
      const b = await withPolicy(ctx, 'pol-notme', (n) => doc({ Effect: 'Allow', Principal: { AWS: [ctx.accessKey] }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertError(await other(ctx, 'GET', objectPath(b, 'private/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'explicit Deny of s3:DeleteObject to "*" binds the bucket owner too: 403, object kept',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-deny', (n) => doc({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${n}/*` }));
      assertError(await ctx.raw({ method: 'DELETE', path: objectPath(b, 'public/a') }), 403, 'AccessDenied');
      assertOk(await ctx.raw({ method: 'HEAD', path: objectPath(b, 'public/a') }));
    },
  },
  {
    name: 'a Deny limited to one prefix leaves the rest to the owner',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-denypre', (n) => doc({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${n}/private/*` }));
      assertError(await ctx.raw({ method: 'PUT', path: objectPath(b, 'private/x'), body: DATA }), 403, 'AccessDenied');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'public/x'), body: DATA }));
    },
  },
  {
    name: 'an explicit Deny beats a public-read object ACL: anonymous GET 403',
    ref: EVALUATION,
    async run(ctx) {
      const b = await ctx.bucket('pol-denyacl');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-acl': 'public-read' } }));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'k')));
      await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }) }));
      assertError(await anon(ctx, 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
    },
  },
  {
    name: 'an explicit Deny beats an Allow in the same policy',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-both', (n) => doc(
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` },
        { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/private/*` },
      ));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'public/a')));
      assertError(await anon(ctx, 'GET', objectPath(b, 'private/a')), 403, 'AccessDenied');
    },
  },
  {
    name: 'action wildcard s3:Get*: anonymous GetObject 200',
    ref: ACTIONS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-getstar', (n) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:Get*', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'private/a')));
    },
  },
  {
    name: 'action names are case-insensitive (s3:getobject)',
    ref: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html',
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-case', (n) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:getobject', Resource: `arn:aws:s3:::${n}/*` }));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'private/a')));
    },
  },
  {
    name: 'an action list [s3:GetObject, s3:PutObject]: anonymous PUT 200',
    ref: ACTIONS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-list2', (n) => doc({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`arn:aws:s3:::${n}/*`] }));
      assertOk(await anon(ctx, 'PUT', objectPath(b, 'anon/x'), DATA));
      assertOk(await ctx.raw({ method: 'HEAD', path: objectPath(b, 'anon/x') }));
    },
  },
  {
    name: 's3:* to the other user: it deletes objects',
    ref: ACTIONS,
    async run(ctx) {
      const ak = otherOf(ctx).keys.accessKeyId;
      const b = await withPolicy(ctx, 'pol-all', (n) => doc({ Effect: 'Allow', Principal: { AWS: ak }, Action: 's3:*', Resource: [`arn:aws:s3:::${n}`, `arn:aws:s3:::${n}/*`] }));
      assertOk(await other(ctx, 'DELETE', objectPath(b, 'public/a')), 204);
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'public/a') })).status, 404);
    },
  },
  {
    name: 's3:GetObject alone does not allow GET ?versionId= (needs s3:GetObjectVersion): 403',
    ref: ACTIONS,
    async run(ctx) {
      const b = await ctx.bucket('pol-ver');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const put = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }) }));
      assertOk(await anon(ctx, 'GET', objectPath(b, 'k')));
      assertError(await anon(ctx, 'GET', `${objectPath(b, 'k')}?versionId=${encodeURIComponent(put.VersionId!)}`), 403, 'AccessDenied');
    },
  },
  {
    name: 's3:GetObjectVersion allows GET ?versionId=',
    ref: ACTIONS,
    async run(ctx) {
      const b = await ctx.bucket('pol-ver2');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const put = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObjectVersion', Resource: `arn:aws:s3:::${b}/*` }) }));
      const res = await anon(ctx, 'GET', `${objectPath(b, 'k')}?versionId=${encodeURIComponent(put.VersionId!)}`);
      assertOk(res);
      assert.equal(res.headers['x-amz-version-id'], put.VersionId);
    },
  },
  {
    name: 's3:ListBucket alone does not allow ListObjectVersions (needs s3:ListBucketVersions): 403',
    ref: ACTIONS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-versions', (n) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${n}` }));
      assertError(await anon(ctx, 'GET', `/${b}?versions`), 403, 'AccessDenied');
    },
  },
  {
    name: 'a policy granting the other user s3:PutObject: it writes, the bucket owner reads the result',
    ref: EXAMPLES,
    async run(ctx) {
      const ak = otherOf(ctx).keys.accessKeyId;
      const b = await withPolicy(ctx, 'pol-xput', (n) => doc({ Effect: 'Allow', Principal: { AWS: ak }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${n}/drop/*` }));
      assertOk(await other(ctx, 'PUT', objectPath(b, 'drop/x'), DATA));
      assertError(await other(ctx, 'PUT', objectPath(b, 'elsewhere/x'), DATA), 403, 'AccessDenied');
      assert.ok((await ctx.raw({ method: 'GET', path: objectPath(b, 'drop/x') })).body.equals(DATA));
    },
  },
  {
    name: 'the other user PutBucketPolicy on my bucket: 403 AccessDenied',
    ref: PUT_POLICY,
    async run(ctx) {
      const b = await ctx.bucket('pol-steal');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?policy`, body: publicRead(b), credentials: otherOf(ctx).keys }), 403, 'AccessDenied');
      await assertSdkError(ctx.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 404, 'NoSuchBucketPolicy');
    },
  },
  {
    name: 'the other user GetBucketPolicy on my bucket: 403 AccessDenied',
    ref: GET_POLICY,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-peek', publicRead);
      assertError(await other(ctx, 'GET', `/${b}?policy`), 403, 'AccessDenied');
    },
  },
  {
    name: 'GetBucketPolicyStatus of a policy allowing "*": IsPublic true',
    ref: POLICY_STATUS,
    async run(ctx) {
      const b = await withPolicy(ctx, 'pol-status', publicRead);
      const out = await ctx.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b }));
      assert.equal(out.PolicyStatus?.IsPublic, true);
    },
  },
  {
    name: 'GetBucketPolicyStatus of a policy naming one user: IsPublic false',
    ref: POLICY_STATUS,
    async run(ctx) {
      const ak = otherOf(ctx).keys.accessKeyId;
      const b = await withPolicy(ctx, 'pol-status2', (n) => doc({ Effect: 'Allow', Principal: { AWS: [ak] }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${n}/*` }));
      const out = await ctx.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b }));
      assert.equal(out.PolicyStatus?.IsPublic, false);
    },
  },
  {
    name: 'GetBucketPolicyStatus without a policy: 404 NoSuchBucketPolicy',
    ref: POLICY_STATUS,
    async run(ctx) {
      const b = await ctx.bucket('pol-status3');
      await assertSdkError(ctx.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b })), 404, 'NoSuchBucketPolicy');
    },
  },
  {
    name: 'DeleteBucketPolicy without a policy: 204',
    ref: DELETE_POLICY,
    async run(ctx) {
      const b = await ctx.bucket('pol-delnone');
      await ctx.s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    },
  },
  malformed('a Condition block (policy-lite refuses what it cannot enforce)', (b) => doc({
    Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*`, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  }), 'shared/spec/s3-surface.md §8'),
  malformed('NotPrincipal', (b) => doc({ Effect: 'Deny', NotPrincipal: { AWS: 'x' }, Principal: undefined, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }), 'shared/spec/s3-surface.md §8'),
  malformed('NotAction', (b) => doc({ Effect: 'Allow', Principal: '*', NotAction: 's3:DeleteObject', Action: undefined as unknown as string, Resource: `arn:aws:s3:::${b}/*` }), 'shared/spec/s3-surface.md §8'),
  malformed('NotResource', (b) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', NotResource: `arn:aws:s3:::${b}/private/*`, Resource: undefined as unknown as string }), 'shared/spec/s3-surface.md §8'),
  malformed('a document that is not JSON', () => '{"Version": "2012-10-17", "Statement": ['),
  malformed('a document without Statement', () => JSON.stringify({ Version: '2012-10-17' })),
  malformed('Effect "Maybe"', (b) => doc({ Effect: 'Maybe' as 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` })),
  malformed('a Resource naming another bucket', (b) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}-elsewhere/*` })),
  malformed('an action outside the s3 namespace (ec2:RunInstances)', (b) => doc({ Effect: 'Allow', Principal: '*', Action: 'ec2:RunInstances', Resource: `arn:aws:s3:::${b}/*` })),
];
