/**
 * The version a user reports with a bug: `ccow --version` prints package.json's "version".
 * Found by walking up from this module (dist/src/cli/ in a checkout, the same under /app in the
 * Docker image, any outDir in tests) to the first package.json named ccow-s3, so it never drifts
 * from what npm installed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'ccow-s3';

/** package.json's version, or 'unknown' when no package.json of ccow-s3 is above this module. */
export function packageVersion(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not JSON): keep walking up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
