import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

// Test support has one folder name per role (README: Layout): `testing/` for code, `bench/` for
// benchmarks, `fixtures/` for data files only.

const repoRoot = join(__dirname, '..');
const SKIPPED = new Set(['node_modules', '.git', '.stack', '.serverless', '.esbuild', 'dist', 'coverage']);

/** Every file under a folder named `name`, as paths from the repository's root. */
function filesUnder(name: string, dir = repoRoot, inside = false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(name, path, inside || entry.name === name);
    return inside ? [relative(repoRoot, path)] : [];
  });
}

describe('the test support folders', () => {
  it('keep code out of fixtures/', () => {
    // Act
    const fixtures = filesUnder('fixtures');
    const code = fixtures.filter((path) => /\.(c|m)?[jt]s$/.test(path));

    // Assess
    expect(fixtures).toContain('lib/msk/fixtures/msk-event.json');
    expect(code).toEqual([]);
  });
});
