/**
 * engine/ — the CCOW engine (shared/spec/ccow.md): content-addressed chunks, manifests, versions,
 * the name index, back-references and GC, behind one facade.
 */
export { Engine, createEngine } from './engine.js';
export type { ClockSkewReport, DamageReport, EngineOptions } from './options.js';
export type { Clock } from './uvid.js';
export { systemClock } from './uvid.js';
export { EngineErrors } from './errors.js';
export type { CurrentExpiry, UploadAbort } from './lifecycle-rules.js';
export { objectExpiry, uploadAbortDue } from './lifecycle-rules.js';
export type * from './api.js';
