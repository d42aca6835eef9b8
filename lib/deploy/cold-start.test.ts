import {
  COLD_START_GOAL_MS,
  type ColdStartRow,
  coldStartEnvironment,
  formatColdStartTable,
  HARMLESS_CONNECTIONS,
  type PackagedFunction,
  packagedFunctions,
  percentile,
  summarise,
  withinGoal,
} from './cold-start';

/*
 * The pure part of `npm run bench:cold-start`: what it reads from a packaged template, the
 * environment of a timed load, the summary of the runs and the table. Nothing is timed here.
 */

const functionResource = (zip: string, handler: string, variables: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Handler: handler,
    Code: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' }, S3Key: `serverless/billing/example/1-2/${zip}` },
    Environment: { Variables: variables },
    MemorySize: 512,
  },
});

const row = (name: string, readyMs: number[]): ColdStartRow => ({
  name,
  zipBytes: 446 * 1024,
  unzippedBytes: 1471 * 1024,
  handlerBytes: 590 * 1024,
  evaluationMs: readyMs.map((ms) => ms - 50),
  readyMs,
});

describe('cold-start benchmark (pure part)', () => {
  it('takes the functions of a packaged template: zip name, handler file, export, string variables', () => {
    // Prepare
    const template = {
      Resources: {
        TransferSagaLambdaFunction: functionResource('transferSaga.zip', 'functions/transfer-saga.handler', {
          POWERTOOLS_SERVICE_NAME: 'transfer-saga',
          MSK_CLUSTER_ARN: { Ref: 'MskClusterArn' },
        }),
        AccountProjectorLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: {} },
        AccountProjectorLambdaFunction: functionResource(
          'accountProjector.zip',
          'functions/account-projector.handler',
          { KAFKA_AUTH: 'iam' },
        ),
      },
    };

    // Act
    const functions = packagedFunctions(template);

    // Assess
    expect(functions).toEqual([
      {
        name: 'accountProjector',
        handlerFile: 'functions/account-projector.js',
        exportName: 'handler',
        environment: { KAFKA_AUTH: 'iam' },
        memorySize: 512,
      },
      {
        name: 'transferSaga',
        handlerFile: 'functions/transfer-saga.js',
        exportName: 'handler',
        environment: { POWERTOOLS_SERVICE_NAME: 'transfer-saga' },
        memorySize: 512,
      },
    ]);
  });

  it('refuses a function resource without a zip or a handler', () => {
    // Prepare
    const template = {
      Resources: { Odd: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'x.y' } } },
    };

    // Act
    const read = () => packagedFunctions(template);

    // Assess
    expect(read).toThrow(/Odd: no S3Key or Handler/);
  });

  it('loads with the deployed variables, Lambda’s own and local connections, and nothing of the caller', () => {
    // Prepare
    const fn: PackagedFunction = {
      name: 'deadLetter',
      handlerFile: 'functions/dead-letter.js',
      exportName: 'handler',
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        POWERTOOLS_SERVICE_NAME: 'dead-letter',
      },
      memorySize: 1024,
    };

    // Act
    const env = coldStartEnvironment(fn, { PATH: '/usr/bin', HOME: '/root' }, { NODE_PATH: '/tmp/runtime' });

    // Assess
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'dead-letter',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'billing-example-deadLetter',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      ...HARMLESS_CONNECTIONS,
      NODE_PATH: '/tmp/runtime',
    });
    expect(
      Object.keys(env).filter((name) => name.includes('SECRET_ACCESS') || name.includes('TOKEN')),
    ).toEqual([]);
  });

  it('points the local connections at a closed port on the loopback', () => {
    // Act
    const targets = [
      new URL(HARMLESS_CONNECTIONS.DATABASE_URL ?? '').host,
      HARMLESS_CONNECTIONS.KAFKA_BROKERS,
    ];

    // Assess
    expect(targets).toEqual(['127.0.0.1:9', '127.0.0.1:9']);
  });

  it('takes percentiles by nearest rank, in any order of the values', () => {
    // Prepare
    const values = [240, 180, 200, 300, 220];

    // Act
    const [p0, p50, p90, p100] = [0, 50, 90, 100].map((p) => percentile(values, p));

    // Assess
    expect([p0, p50, p90, p100]).toEqual([180, 220, 300, 300]);
    expect(percentile([], 50)).toBeNaN();
    expect(values).toEqual([240, 180, 200, 300, 220]);
  });

  it('summarises runs as p50 and max', () => {
    // Act
    const summary = summarise([150, 140, 160, 145, 390]);

    // Assess
    expect(summary).toEqual({ p50: 150, max: 390 });
    expect(summarise([])).toEqual({ p50: Number.NaN, max: Number.NaN });
  });

  it('judges the goal on the median ready time', () => {
    // Prepare
    const slowOnce = row('accountProjector', [150, 160, 170, 180, 900]);
    const slow = row('transferSaga', [300, 310, 320, 150, 160]);

    // Act
    const verdicts = [withinGoal(slowOnce), withinGoal(slow)];

    // Assess
    expect(verdicts).toEqual([true, false]);
  });

  it('prints sizes, both timings and the ratio to the goal, with the bare node floor last', () => {
    // Prepare
    const rows = [row('accountProjector', [150, 160, 170, 180, 240]), row('migrateReadModel', [140, 150])];

    // Act
    const table = formatColdStartTable(rows, [40, 44, 52, 41, 43]);

    // Assess
    expect(table.split('\n')).toEqual([
      'function              zip  unzipped  handler.js  eval p50/max  ready p50/max   goal ratio',
      'accountProjector  446 KiB  1471 KiB     590 KiB     120 / 190      170 / 240  0.57 (0.80)',
      'migrateReadModel  446 KiB  1471 KiB     590 KiB      90 / 100      140 / 150  0.47 (0.50)',
      "node -e ''                                                           43 / 52  0.14 (0.17)",
    ]);
    expect(COLD_START_GOAL_MS).toBe(300);
  });
});
