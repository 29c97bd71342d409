/** The S3 XML codecs (shared/spec/s3-surface.md §1): the safe parser/renderer core and every body shape. */
export * from './codec.js';
export * from './escape.js';
export * from './error.js';
export * from './list.js';
export * from './multipart.js';
export * from './objects.js';
export * from './config.js';
export * from './cors.js';
export * from './acl.js';
export * from './lifecycle.js';
