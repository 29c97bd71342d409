/**
 * The operation registry extensions plug into (shared/STYLE.md §1: "s3x/ … registered through the
 * s3 operation registry; same auth and error path as s3"). An extension claims requests before
 * the S3 router sees them (S3X: every request whose query has `comp`, s3x.md §1), names the S3
 * action and access class to authorise them with (s3x.md §2), and answers them with the same
 * context, body decoding and error mapping as S3 handlers.
 */
import type { RequestContext } from './context.js';
import type { Access, OperationOf } from './operations.js';
import type { RouteInput } from './router.js';
import type { S3Response } from './types.js';

/** How a claimed request is authorised. */
export interface ExtensionClaim {
  /** IAM action checked against bucket policies (e.g. `s3:PutObject`). */
  action: string;
  /** ACL-lite access class (operations.ts). */
  access: Access;
}

/** An extension of the S3 service. */
export interface S3Extension {
  /** Short name, e.g. `s3x`. */
  readonly name: string;
  /**
   * Claim a request, or return undefined to leave it to the S3 router. Pure: no I/O. May throw an
   * S3Error (e.g. InvalidArgument for an unknown `comp` value).
   */
  classify(req: RouteInput): ExtensionClaim | undefined;
  /** Answer a claimed request (authenticated and authorised already; `ctx.bucket` is loaded). */
  handle(ctx: RequestContext, op: OperationOf<'Extension'>): Promise<S3Response>;
}
