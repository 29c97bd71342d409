/**
 * An in-process gateway and an @aws-sdk/client-s3 client pointed at it, both closed when the test
 * ends: the set-up most SDK tests open with. Kept apart from gateway.ts so that the tests which
 * talk raw HTTP (and the conformance runner) do not load the SDK.
 *
 * @example
 * import { CreateBucketCommand } from '@aws-sdk/client-s3';
 * import { gatewayWithClient } from '../helpers/gateway-client.js';
 *
 * test('create a bucket', async (t) => {
 *   const { gw, s3 } = await gatewayWithClient(t, { backend: 'local' }, { maxAttempts: 1 });
 *   await s3.send(new CreateBucketCommand({ Bucket: 'b1' }));
 * });
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { S3Client, S3ServiceException, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startGateway, type GatewayOptions, type TestGateway } from './gateway.js';

/**
 * Start a gateway (`startGateway(opts)`) and an S3Client on `gw.clientConfig()` with `client`
 * spread over it (e.g. `{ maxAttempts: 1 }`, `{ requestChecksumCalculation: 'WHEN_REQUIRED' }`).
 * `t.after` closes the gateway, then destroys the client.
 */
export async function gatewayWithClient(
  t: Pick<TestContext, 'after'>,
  opts: GatewayOptions = {},
  client: S3ClientConfig = {},
): Promise<{ gw: TestGateway; s3: S3Client }> {
  const gw = await startGateway(opts);
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), ...client });
  t.after(() => s3.destroy());
  return { gw, s3 };
}

/** The S3 error `p` rejects with (the SDK's S3ServiceException); fails the test when it resolves or rejects otherwise. */
export async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof S3ServiceException, `expected an S3 error, got ${String(err)}`);
  return err;
}
