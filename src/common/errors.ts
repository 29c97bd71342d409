/**
 * Base error of every layer's catalog (shared/STYLE.md habit 1). Each layer declares its codes once
 * with `defineError`; lower-layer errors cross a boundary only through an explicit mapping.
 */

/** Facts about an error a caller may show (names and values, e.g. `{ PartNumber: 2 }`). */
export type ErrorDetails = Readonly<Record<string, string | number>>;

/** Options of a CodedError: its cause, and details for the callers that render them. */
export interface CodedErrorOptions {
  cause?: unknown;
  details?: ErrorDetails;
}

/** An error with a stable code (e.g. `CCOW_ERR_CHUNK_MISSING`). */
export class CodedError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: ErrorDetails;
  constructor(code: string, message: string, statusCode = 500, options?: CodedErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = statusCode;
    this.name = 'CodedError';
    if (options?.details) this.details = options.details;
  }
}

/** A declared error: call it to build an instance; `is` checks an unknown value against it. */
export interface ErrorFactory {
  (detail?: string, options?: CodedErrorOptions): CodedError;
  readonly code: string;
  readonly statusCode: number;
  is(e: unknown): e is CodedError;
}

/** Declare one catalog entry. `message` is the default text; `detail` replaces it when given. */
export function defineError(code: string, message: string, statusCode = 500): ErrorFactory {
  const f = ((detail?: string, options?: CodedErrorOptions) =>
    new CodedError(code, detail ?? message, statusCode, options)) as ErrorFactory;
  Object.defineProperties(f, {
    code: { value: code },
    statusCode: { value: statusCode },
    is: { value: (e: unknown) => e instanceof CodedError && e.code === code },
  });
  return f;
}

/** True when `e` is a CodedError with code `code`. */
export function hasCode(e: unknown, code: string): e is CodedError {
  return e instanceof CodedError && e.code === code;
}
