/** Base class of every error thrown by the config module. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The environment is missing a setting or has an invalid or contradictory one; names the variables. */
export class KafkaConfigError extends ConfigError {
  readonly variables: readonly string[];

  constructor(problems: readonly { variable: string; message: string }[], options?: ErrorOptions) {
    super(
      `Invalid Kafka configuration: ${problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; ')}`,
      options,
    );
    this.name = 'KafkaConfigError';
    this.variables = [...new Set(problems.map((problem) => problem.variable))];
  }
}

/** The MSK cluster offers no bootstrap brokers for the configured authentication. */
export class BootstrapBrokersError extends ConfigError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BootstrapBrokersError';
  }
}

/** The SCRAM secret cannot be read or is not MSK's JSON `{ "username", "password" }`. */
export class KafkaSecretError extends ConfigError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaSecretError';
  }
}

/** The database settings are missing or contradictory; names the variables. */
export class DatabaseConfigError extends ConfigError {
  readonly variables: readonly string[];

  constructor(problems: readonly { variable: string; message: string }[], options?: ErrorOptions) {
    super(
      `Invalid database configuration: ${problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; ')}`,
      options,
    );
    this.name = 'DatabaseConfigError';
    this.variables = [...new Set(problems.map((problem) => problem.variable))];
  }
}

/** The database secret cannot be read or holds no usable connection; never quotes the secret. */
export class DatabaseSecretError extends ConfigError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseSecretError';
  }
}
