/**
 * Page-aligned shared memory, and a way to recognise it.
 *
 * O_DIRECT writes need user buffers aligned to the device's logical block (and run at full speed
 * only from page-aligned ones: storage/local/aligned-buffers.ts). JavaScript can neither ask for
 * nor observe an address; a WebAssembly.Memory, however, is mapped by V8 straight from the OS page
 * allocator, so its buffer starts on a page boundary. Memory made here is remembered (weakly), so
 * a writer handed a view of it can write it in place instead of copying it into aligned staging
 * memory first — it trusts only memory it can recognise, never a caller's claim.
 */

/** The piece of the WebAssembly API used here (tsconfig has no DOM/WebAssembly lib). */
declare const WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer } };

/** WebAssembly page size: such memories are whole multiples of it. */
export const WASM_PAGE = 64 * 1024;
/** Alignment this module promises for the start of its memories. */
const PAGE = 4096;

const aligned = new WeakSet<ArrayBufferLike>();

/**
 * A page-aligned SharedArrayBuffer of `size` bytes rounded up to a whole WASM_PAGE, zero-filled;
 * undefined when none can be mapped (RangeError: an address-space limit).
 */
export function alignedSharedMemory(size: number): SharedArrayBuffer | undefined {
  const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
  let mem: SharedArrayBuffer;
  try {
    mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer;
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  aligned.add(mem);
  return mem;
}

/** True when `view` starts on a page boundary of memory from alignedSharedMemory. */
export function isPageAligned(view: Uint8Array): boolean {
  return view.byteOffset % PAGE === 0 && aligned.has(view.buffer);
}
