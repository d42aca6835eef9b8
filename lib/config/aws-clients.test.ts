import { createServer, type Server, type Socket } from 'node:net';
import { GetBootstrapBrokersCommand } from '@aws-sdk/client-kafka';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AWS_MAX_ATTEMPTS, mskApiClient, secretsManagerClient } from './aws-clients';

/*
 * An endpoint that accepts the connection and never answers: what a VPC function without a route to
 * the AWS API sees. The clients must give up (a timeout), not wait for the function's own timeout.
 */

jest.setTimeout(60_000);

describe('AWS API clients of a cold start', () => {
  let server: Server;
  let endpoint: string;
  const sockets: Socket[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLEEXAMPLE00';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret-key-for-a-local-endpoint';
    server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    process.env = savedEnv;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up reading a secret from an endpoint that never answers', async () => {
    // Prepare
    const client = secretsManagerClient({ region: 'eu-west-1', endpoint });
    const before = sockets.length;

    // Act
    const outcome = await client.send(new GetSecretValueCommand({ SecretId: 'billing/database' })).then(
      () => 'answered',
      (error: Error) => error.name,
    );

    // Assess
    expect(outcome).toBe('TimeoutError');
    expect(sockets.length - before).toBe(AWS_MAX_ATTEMPTS);
  });

  it('gives up looking up the bootstrap brokers from an endpoint that never answers', async () => {
    // Prepare
    const client = mskApiClient({ region: 'eu-west-1', endpoint });

    // Act
    const outcome = await client
      .send(
        new GetBootstrapBrokersCommand({
          ClusterArn:
            'arn:aws:kafka:eu-west-1:123456789012:cluster/billing/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b-1',
        }),
      )
      .then(
        () => 'answered',
        (error: Error) => error.name,
      );

    // Assess
    expect(outcome).toBe('TimeoutError');
  });
});
