import { main, parseArgs, replayCommand, USAGE } from './cli';
import { ALL_FAULTS } from './simulation';

describe('npm run sim arguments', () => {
  it('runs seeds one after another unless --jobs says how many at once', () => {
    // Act
    const sequential = parseArgs(['--seeds', '3', '--steps', '10']);
    const parallel = parseArgs(['--seeds', '100', '--steps', '10000', '--jobs', '3']);

    // Assess
    expect(sequential).toMatchObject({ seeds: [1, 2, 3], steps: 10, jobs: 1 });
    expect(parallel.jobs).toBe(3);
    expect(parallel.seeds).toHaveLength(100);
    expect(parallel.faults).toEqual(ALL_FAULTS);
  });

  it('names the flag that is wrong, with the usage', () => {
    expect(() => parseArgs(['--jobs', '0'])).toThrow(/--jobs needs at least 1, got 0\nusage: npm run sim/);
    expect(() => parseArgs(['--jobs', 'two'])).toThrow(/--jobs needs a whole number, got two/);
    expect(() => parseArgs(['--faults', 'meteor'])).toThrow(/unknown fault kind\(s\): meteor/);
  });

  it('rebuilds from the facts unless --rebuild-by redecide asks for the old way, and replays with it', () => {
    // Act
    const facts = parseArgs(['--seed', '3']);
    const redecide = parseArgs(['--seed', '3', '--rebuild-by', 'redecide']);

    // Assess
    expect(facts.rebuildBy).toBe('facts');
    expect(redecide.rebuildBy).toBe('redecide');
    expect(replayCommand(3, 1500, ALL_FAULTS, redecide.rebuildBy)).toBe(
      'npm run sim -- --seed 3 --steps 1500 --rebuild-by redecide',
    );
    expect(replayCommand(3, 1500, ALL_FAULTS)).toBe('npm run sim -- --seed 3 --steps 1500');
    expect(() => parseArgs(['--rebuild-by', 'guess'])).toThrow(
      /--rebuild-by takes facts or redecide, got guess/,
    );
  });
});

describe('npm run sim -- --help', () => {
  it('prints the usage and exits 0, running nothing', async () => {
    // Prepare
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      // Act
      const code = await main(['--help']);
      // Assess
      expect(code).toBe(0);
      expect(written.join('')).toBe(`${USAGE}\n`);
    } finally {
      write.mockRestore();
    }
  });

  it('still refuses an unknown argument, with the usage', () => {
    expect(() => parseArgs(['--helpp'])).toThrow(`unknown argument --helpp\n${USAGE}`);
  });
});
