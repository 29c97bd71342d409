/** Leaf utilities without policy (shared/STYLE.md §1). */
export * from './aligned-memory.js';
export * from './bytes.js';
export * from './concurrency.js';
export * from './errors.js';
export * from './hash.js';
export * from './ids.js';
export * from './memo.js';
export * from './release.js';
export * from './request-ids.js';
export * from './slab.js';
export * from './string-map.js';
export * from './yield.js';
