import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The README and docs/ must not drift from the repository: every `npm run <script>` they show
// names a script of package.json, and every relative link reaches a file (and a heading, when
// it names one).

const repoRoot = join(__dirname, '..');

const docFiles = (): string[] => [
  join(repoRoot, 'README.md'),
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(repoRoot, 'docs', name)),
];

const scripts = (): Set<string> => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return new Set(Object.keys(manifest.scripts));
};

/** The script names after `npm run` in a page: `npm run sim`, `npm run sim -- --seed 3`. */
const scriptsNamedIn = (text: string): string[] =>
  [...text.matchAll(/\bnpm run ([a-z0-9][\w:.-]*)/gi)].map((match) => match[1] as string);

/** The targets of a page's Markdown links, http(s) and mail links left out. */
const relativeLinksIn = (text: string): string[] =>
  [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (markdown: string): Set<string> => {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchorOf(match[1] as string)));
};

/** What is wrong with one link of a page, or undefined when it leads somewhere. */
function brokenLink(page: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? page : resolve(dirname(page), decodeURI(path));
  if (!existsSync(file)) return `${target}: no file ${relative(repoRoot, file)}`;
  if (anchor === undefined || anchor === '' || !statSync(file).isFile() || !file.endsWith('.md')) {
    return undefined;
  }
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor)
    ? undefined
    : `${target}: no heading #${anchor} in ${relative(repoRoot, file)}`;
}

describe('the README and docs/', () => {
  const pages = docFiles();

  it.each(pages.map((page) => [relative(repoRoot, page), page]))(
    '%s runs only scripts that package.json has',
    (_name, page) => {
      // Prepare
      const known = scripts();

      // Act
      const unknown = scriptsNamedIn(readFileSync(String(page), 'utf8')).filter((name) => !known.has(name));

      // Assess
      expect(unknown).toEqual([]);
    },
  );

  it.each(pages.map((page) => [relative(repoRoot, page), page]))(
    '%s links only to files and headings that exist',
    (_name, page) => {
      // Act
      const broken = relativeLinksIn(readFileSync(String(page), 'utf8'))
        .map((target) => brokenLink(String(page), target))
        .filter((problem) => problem !== undefined);

      // Assess
      expect(broken).toEqual([]);
    },
  );

  it('finds scripts and links in the forms the pages use', () => {
    // Prepare
    const text = [
      '`npm run sim -- --seed 3` and `npm run stack:up`',
      '[design](docs/design.md) [a heading](#quick-start) [api](http://localhost:3100/openapi.json)',
    ].join('\n');

    // Act
    const found = { scripts: scriptsNamedIn(text), links: relativeLinksIn(text) };

    // Assess
    expect(found).toEqual({ scripts: ['sim', 'stack:up'], links: ['docs/design.md', '#quick-start'] });
    expect(brokenLink(join(repoRoot, 'README.md'), 'docs/no-such-page.md')).toMatch(/no file/);
    expect(anchorOf('Event contracts (`schemas/`)')).toBe('event-contracts-schemas');
  });
});
