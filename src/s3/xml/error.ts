/**
 * The S3 XML error envelope (shared/spec/s3-surface.md §9):
 * `<Error><Code/><Message/>…extras…<Resource/><RequestId/><HostId/></Error>`, without namespace, as
 * AWS renders it. HEAD responses carry no body; the service decides that, not this renderer.
 */
import type { S3Error } from '../errors.js';
import { renderXml, type XmlObject } from './codec.js';

/** Where the error happened, for `<Resource>`, `<RequestId>` and `<HostId>`. */
export interface ErrorContext {
  /** The request path (decoded), e.g. `/bucket/key`. */
  resource?: string;
  requestId: string;
  hostId?: string;
}

/** Render the error body. */
export function renderError(e: S3Error, ctx: ErrorContext): string {
  const body: Record<string, XmlObject[keyof XmlObject]> = { Code: e.code, Message: e.message };
  for (const [k, v] of Object.entries(e.fields)) if (v !== undefined) body[k] = v;
  body.Resource = ctx.resource;
  body.RequestId = ctx.requestId;
  body.HostId = ctx.hostId;
  return renderXml('Error', body, { namespace: false });
}
