/** Header access shared by the signature schemes. */

/** Request headers as in S3Request: lower-case names; arrays (duplicates) are joined with ','. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The minimal request shape authentication needs (S3Request satisfies it). */
export interface SignableRequest {
  method: string;
  /** Raw request target as received (path + '?' + query), not decoded or normalised. */
  url: string;
  headers: HeaderBag;
  /** Bucket taken from a virtual-host `Host` (SigV2 puts it in the canonicalized resource). */
  hostBucket?: string | undefined;
}

/** One header's value (duplicates joined with ','), or undefined. Names are looked up lower-case. */
export function header(headers: HeaderBag, name: string): string | undefined {
  const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}
