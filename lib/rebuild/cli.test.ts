import { parseRebuildArgs, UsageError } from './cli';

describe('npm run rebuild arguments', () => {
  it('reads --compare and --database', () => {
    expect(parseRebuildArgs([])).toEqual({ compare: false, database: undefined });
    expect(parseRebuildArgs(['--compare', '--database', 'billing_rebuild_1'])).toEqual({
      compare: true,
      database: 'billing_rebuild_1',
    });
  });

  it.each([
    [['--database'], /--database needs a name .*got nothing/],
    [
      ['--database', 'Billing-Rebuild'],
      /--database needs a name of lower-case letters, digits and _ \(got Billing-Rebuild\)/,
    ],
    [['--fast'], /unknown argument --fast/],
  ])('refuses %j with a message naming what is wrong', (argv, message) => {
    expect(() => parseRebuildArgs(argv)).toThrow(UsageError);
    expect(() => parseRebuildArgs(argv)).toThrow(message);
  });
});
