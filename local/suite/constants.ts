/*
 * The whole-suite check of the billing topics (docs/testing.md: Topics): what the integration
 * project's globalSetup and the test sequencer hand to the check, through the environment, which
 * the test files' environments copy when they start.
 */

/** The billing topics' end offsets at the run's start (TopicEndsRecord as JSON), set by the globalSetup. */
export const SUITE_TOPIC_ENDS_VARIABLE = 'BILLING_SUITE_TOPIC_ENDS';

/** Where the check runs in the run (SuiteOrder as JSON), set by jest.sequencer.js (which repeats the name). */
export const SUITE_ORDER_VARIABLE = 'BILLING_SUITE_ORDER';

/** What the sequencer tells the check. */
export interface SuiteOrder {
  /** Test files of the run (both projects) that run before the check. */
  readonly filesBefore: number;
  /** One file at a time (--runInBand, or one worker): nothing else runs beside the check. */
  readonly inBand: boolean;
}
