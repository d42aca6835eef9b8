import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The most a function's zip may weigh: small zips keep cold starts and deploys short. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface BundleSize {
  readonly file: string;
  readonly bytes: number;
  readonly overLimit: boolean;
}

/** The size of every function zip in a packaging directory (`.serverless` after `sls package`). */
export function bundleSizes(packageDir: string, limit = MAX_BUNDLE_BYTES): BundleSize[] {
  return readdirSync(packageDir)
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => {
      const bytes = statSync(join(packageDir, file)).size;
      return { file, bytes, overLimit: bytes > limit };
    });
}

/** One line per bundle: name, size in KiB, and whether it is over the limit. */
export function formatBundleSizes(sizes: readonly BundleSize[], limit = MAX_BUNDLE_BYTES): string {
  const width = Math.max(...sizes.map((size) => size.file.length));
  return sizes
    .map(
      (size) =>
        `${size.file.padEnd(width)}  ${(size.bytes / 1024).toFixed(0).padStart(5)} KiB` +
        (size.overLimit ? `  OVER the ${limit / 1024} KiB limit` : ''),
    )
    .join('\n');
}
