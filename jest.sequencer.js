const Sequencer = require('@jest/test-sequencer').default;

/**
 * Jest's own order (failed first, then the slowest), with the whole-suite check of the billing
 * topics moved last (local/suite/billing-topics-untouched.integration.test.ts, docs/testing.md:
 * Topics). It tells the check, through BILLING_SUITE_ORDER (SUITE_ORDER_VARIABLE of
 * local/suite/constants.ts), how many test files run before it and whether one at a time: the
 * test files' environments copy process.env when they start, after this sort.
 */
const CHECK = /[\\/]local[\\/]suite[\\/]billing-topics-untouched\.integration\.test\.ts$/;

class BillingSuiteSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.inBand = options.globalConfig.runInBand === true || options.globalConfig.maxWorkers <= 1;
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    const checks = sorted.filter((test) => CHECK.test(test.path));
    const others = sorted.filter((test) => !CHECK.test(test.path));
    if (checks.length > 0) {
      process.env.BILLING_SUITE_ORDER = JSON.stringify({ filesBefore: others.length, inBand: this.inBand });
    }
    return [...others, ...checks];
  }
}

module.exports = BillingSuiteSequencer;
