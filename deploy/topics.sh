#!/usr/bin/env bash
# Create cluetrain's topics on an Apache Kafka cluster. Usage: topics.sh BOOTSTRAP [PARTITIONS]
set -euo pipefail
bootstrap=${1:?bootstrap servers, e.g. kafka-1:9092}
partitions=${2:-48}
for topic in mentions replies alerts dead_letters; do
  kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor 3 --config min.insync.replicas=2
done
# The workers' state: compacted, one partition per input partition (same count).
kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists --topic cluetrain-state-changelog \
  --partitions "$partitions" --replication-factor 3 --config min.insync.replicas=2 --config cleanup.policy=compact
