/**
 * Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation.
 */
import assert from 'node:assert/strict';
import { CreateBucketCommand, DeleteBucketCommand, HeadBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { expectError } from '../lib/check.js';
import type { Case } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';

export const cases: Case[] = [
  {
    name: 'create then head: 200 with x-amz-bucket-region',
    ref: `${API}/API_HeadBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('head');
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-amz-bucket-region'], ctx.region);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'create an existing own bucket: 409 BucketAlreadyOwnedByYou',
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('dup');
      await expectError(ctx.s3.send(new CreateBucketCommand({ Bucket: b })), { status: 409, code: 'BucketAlreadyOwnedByYou' });
    },
  },
  {
    name: 'head a missing bucket: 404 without body',
    ref: `${API}/API_HeadBucket.html`,
    async run(ctx) {
      await expectError(ctx.s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket-conformance' })), { status: 404, code: 'NotFound' });
    },
  },
  {
    name: 'delete an empty bucket: 204, then it is gone from ListBuckets',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('del');
      const res = await ctx.s3.send(new DeleteBucketCommand({ Bucket: b }));
      assert.equal(res.$metadata.httpStatusCode, 204);
      const list = await ctx.s3.send(new ListBucketsCommand({}));
      assert.ok(!(list.Buckets ?? []).some((x) => x.Name === b));
    },
  },
];
