#!/usr/bin/env bash
# One-shot: creates every event topic and its dead-letter topic on the Kafka broker.
# The topics are the schema file names: /schemas/<type>.v<N>.json -> <type> and <type>.dlq
# (the same rule kx-dev-broker applies). Existing topics are left alone, so it is safe to rerun.
set -euo pipefail

BOOTSTRAP=${KAFKA_BOOTSTRAP:-kafka:9092}
PARTITIONS=${TOPIC_PARTITIONS:-6}
REPLICATION=${TOPIC_REPLICATION:-1}
SCHEMAS=${SCHEMA_DIR:-/schemas}
TOPICS_SH=/opt/kafka/bin/kafka-topics.sh

wanted=()
for f in "$SCHEMAS"/*.json; do
  name=$(basename "$f")
  if [[ $name =~ ^(.+)\.v[1-9][0-9]*\.json$ ]]; then
    wanted+=("${BASH_REMATCH[1]}" "${BASH_REMATCH[1]}.dlq")
  fi
done
if [ ${#wanted[@]} -eq 0 ]; then
  echo "kafka-init: no <type>.v<N>.json schemas in $SCHEMAS" >&2
  exit 1
fi

existing=$("$TOPICS_SH" --bootstrap-server "$BOOTSTRAP" --list)
missing=$(printf '%s\n' "${wanted[@]}" | sort -u | grep -vxF -f <(printf '%s\n' "$existing") || true)
if [ -z "$missing" ]; then
  echo "kafka-init: all $(printf '%s\n' "${wanted[@]}" | sort -u | wc -l) topics exist"
  exit 0
fi

# Each kafka-topics.sh call starts a JVM; four at a time keeps the first run short.
failed=0
pids=()
for topic in $missing; do
  "$TOPICS_SH" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$topic" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION" &
  pids+=("$!")
  if [ ${#pids[@]} -ge 4 ]; then
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    pids=()
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [ $failed -ne 0 ]; then
  echo "kafka-init: some topics could not be created" >&2
  exit 1
fi
echo "kafka-init: created $(printf '%s\n' "$missing" | wc -l) topics"
