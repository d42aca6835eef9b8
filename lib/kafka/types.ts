/** How the client authenticates to the brokers. */
export type KafkaAuthentication =
  | { readonly mechanism: 'none' }
  | { readonly mechanism: 'scram-sha-512'; readonly username: string; readonly password: string }
  /** SASL/OAUTHBEARER with a token provider (MSK IAM). */
  | { readonly mechanism: 'oauthbearer'; readonly tokenProvider: () => Promise<{ readonly value: string }> };

/** Everything a client needs to reach a cluster, independent of the client library. */
export interface KafkaConnection {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly tls: boolean;
  /** PEM of the CA the brokers' certificates are verified against; Node's default CAs when absent. */
  readonly tlsCa?: string;
  readonly authentication: KafkaAuthentication;
}

/** One record to write: the value is already serialized. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where a run of records of one send landed: one entry per topic-partition written. */
export interface PartitionWrite {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record written to this partition by the send. */
  readonly baseOffset: string;
}

/**
 * The producer side of the event log: what the event store needs from a Kafka client. Each
 * `send` is durable when it resolves (acks=all, idempotent), keeps the order of records with the
 * same key, and compresses with LZ4. It throws (transient) when the cluster cannot take the records.
 */
export interface KafkaProducerPort {
  connect(): Promise<void>;
  send(records: readonly OutgoingRecord[]): Promise<readonly PartitionWrite[]>;
  disconnect(): Promise<void>;
}
