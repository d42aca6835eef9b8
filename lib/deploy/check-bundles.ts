/**
 * `npm run bundles:check`: after `sls package`, prints the zipped size of every function and fails
 * when one is above 1 MiB (MAX_BUNDLE_BYTES). Usage: tsx lib/deploy/check-bundles.ts [packageDir]
 */
import { bundleSizes, formatBundleSizes, MAX_BUNDLE_BYTES } from './bundle-sizes';

const dir = process.argv[2] ?? '.serverless';
const sizes = bundleSizes(dir);
if (sizes.length === 0) {
  console.error(`No function zip in ${dir}: run sls package first`);
  process.exit(1);
}
console.log(formatBundleSizes(sizes));
const over = sizes.filter((size) => size.overLimit);
if (over.length > 0) {
  console.error(
    `${over.length} bundle(s) above ${MAX_BUNDLE_BYTES / 1024} KiB: ${over.map((size) => size.file).join(', ')}`,
  );
  process.exit(1);
}
