#!/usr/bin/env bash
# Runs a Kafka command-line tool against the local cluster, the same command in both modes:
#
#   local/kafka.sh kafka-topics.sh --bootstrap-server localhost:9092 --list
#
# - native mode: runs the tool's class from the jars that `npm run stack:up` fetched (.stack/kafka-*/libs);
# - compose mode: runs the image's own script inside billing-kafka-1, with localhost:9092-9094
#   rewritten to the brokers' addresses inside the compose network.
# The mode is the one `npm run stack:up` recorded (.stack/run/mode); STACK_MODE overrides it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${STACK_STATE_DIR:-$repo/.stack}"
case "$state" in /*) ;; *) state="$repo/$state" ;; esac

usage() {
  cat >&2 <<'USAGE'
usage: local/kafka.sh <tool> [arguments...]
tools: kafka-topics.sh kafka-configs.sh kafka-console-producer.sh kafka-console-consumer.sh
       kafka-consumer-groups.sh kafka-metadata-quorum.sh kafka-get-offsets.sh
       kafka-broker-api-versions.sh kafka-storage.sh
USAGE
  exit 2
}

[ $# -ge 1 ] || usage
tool="$1"
shift

case "$tool" in
  kafka-topics.sh) class=org.apache.kafka.tools.TopicCommand ;;
  kafka-configs.sh) class=kafka.admin.ConfigCommand ;;
  kafka-console-producer.sh) class=org.apache.kafka.tools.ConsoleProducer ;;
  kafka-console-consumer.sh) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-consumer-groups.sh) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-metadata-quorum.sh) class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  kafka-get-offsets.sh) class=org.apache.kafka.tools.GetOffsetShell ;;
  kafka-broker-api-versions.sh) class=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  kafka-storage.sh) class=kafka.tools.StorageTool ;;
  *) echo "local/kafka.sh: unknown tool '$tool'" >&2; usage ;;
esac

mode="${STACK_MODE:-}"
if [ -z "$mode" ] && [ -f "$state/run/mode" ]; then mode="$(cat "$state/run/mode")"; fi
if [ -z "$mode" ]; then
  if docker info >/dev/null 2>&1; then mode=docker; else mode=native; fi
fi

if [ "$mode" = docker ]; then
  args=()
  for arg in "$@"; do
    arg="${arg//localhost:9092/kafka-1:19092}"
    arg="${arg//localhost:9093/kafka-2:19092}"
    arg="${arg//localhost:9094/kafka-3:19092}"
    args+=("$arg")
  done
  tty_flag=()
  [ -t 0 ] && tty_flag=(-t)
  # KAFKA_OPTS of the broker container loads the metrics agent, whose port is taken: clear it for tools.
  exec docker exec -i -e KAFKA_OPTS= -e KAFKA_HEAP_OPTS=-Xmx512m "${tty_flag[@]}" billing-kafka-1 "/opt/kafka/bin/$tool" "${args[@]}"
fi

libs="$(ls -d "$state"/kafka-[0-9]*/libs 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$libs" ] || [ ! -d "$libs" ]; then
  echo "local/kafka.sh: no Kafka jars under $state: run 'npm run stack:up' first" >&2
  exit 1
fi
classpath="$(find "$libs" -name '*.jar' ! -name 'jmx_prometheus_javaagent-*' | sort | tr '\n' ':')"
exec java -Xmx512m -Dlog4j2.configurationFile="$repo/local/kafka/tools-log4j2.properties" \
  -cp "$classpath" "$class" "$@"
