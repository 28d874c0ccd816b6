#!/usr/bin/env bash
# Provisions what the integration tests run for real: Debian packages (Chromium, Prometheus,
# Alertmanager) when running as root, Apache Kafka's jars through Maven into a cache.
# Idempotent and quick when everything is there. Prints exactly what to install when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || [ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
# The test Kafka broker runs from Apache's jars on Java 17, fetched with Maven (scripts/kafka-local.sh).
if ! ls "${KAFKA_CACHE_DIR:-.cache/kafka}"/*/libs/.complete >/dev/null 2>&1; then
  command -v mvn >/dev/null 2>&1 || need+=(maven)
fi
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "provision: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A mirror that fails once must not fail CI: apt retries each download.
    apt-get -o Acquire::Retries=3 update -qq
    apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "provision: missing ${need[*]}; install them with: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    echo "provision: the tests that need them will fail until then" >&2
  fi
fi

# Apache Kafka (KRaft) jars, cached under .cache/kafka (see scripts/kafka-local.sh).
if [ -x scripts/kafka-local.sh ]; then
  scripts/kafka-local.sh fetch
fi
