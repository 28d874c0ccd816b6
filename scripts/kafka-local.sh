#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft, no ZooKeeper) for development and the test suite,
# run from Apache's own jars on Maven Central; no Docker, no package manager.
#
#   scripts/kafka-local.sh fetch     resolve the broker's jars with Maven into the cache (idempotent)
#   scripts/kafka-local.sh start     format a fresh KRaft log in a temp folder, start the broker on
#                                    127.0.0.1, wait until it serves, print KAFKA_BROKERS=host:port
#   scripts/kafka-local.sh status    say whether it runs, and where
#   scripts/kafka-local.sh stop      stop it (by the PID it recorded) and delete its data
#
# Environment:
#   KAFKA_VERSION          Apache Kafka release (default 4.1.1)
#   KAFKA_CACHE_DIR        where jars are cached (default .cache/kafka under the repository)
#   KAFKA_RUN_DIR          where the PID, config and log of a running broker are kept (default
#                          $KAFKA_CACHE_DIR/run); one broker per run dir, so tests use their own
#   KAFKA_PORT             client port (default 9092; 0 picks a free port)
#   KAFKA_START_TIMEOUT_SECS  how long `start` waits for the broker (default 120)
#   KAFKA_HEAP             JVM heap (default 512m)
#   KAFKA_SASL_USERS       "user:password[,user:password]": adds a SASL_PLAINTEXT listener (PLAIN,
#                          SCRAM-SHA-256, SCRAM-SHA-512) on a free port, printed as KAFKA_SASL_BROKERS
#   KAFKA_TLS              1: also a SASL_SSL listener with a fresh self-signed CA (openssl), printed
#                          as KAFKA_SASL_SSL_BROKERS, and the CA file as KAFKA_TLS_CA
#                          (user names and passwords: letters, digits, "_" and "-" only)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$KAFKA_CACHE_DIR/run}"
LIBS="$KAFKA_CACHE_DIR/$KAFKA_VERSION/libs"
LOG4J_VERSION=2.24.3

say() { echo "kafka-local: $*" >&2; }
die() { say "$*"; exit 1; }

fetch() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to fetch Kafka's jars: apt-get install -y --no-install-recommends maven"
  command -v java >/dev/null 2>&1 || die "Java 17 or later is needed to run Kafka: apt-get install -y --no-install-recommends openjdk-17-jre-headless"
  local work="$KAFKA_CACHE_DIR/$KAFKA_VERSION"
  mkdir -p "$work"
  # The broker is kafka_2.13 plus its runtime dependencies; log4j-slf4j-impl routes its logs to a file.
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>crisiscx.local</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
  rm -rf "$LIBS.tmp"
  # Maven Central over a busy network: each request is retried, and the whole fetch three times
  # (what was downloaded stays in ~/.m2, so a later attempt only fetches the rest).
  local attempt
  for attempt in 1 2 3; do
    mvn -B -q -Dstyle.color=never -Dmaven.wagon.http.retryHandler.count=3 -Dmaven.wagon.httpconnectionManager.ttlSeconds=25 \
      -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >&2 && break
    [ "$attempt" = 3 ] && die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see above); check access to https://repo.maven.apache.org"
    say "Maven fetch failed (attempt $attempt of 3); trying again in $((attempt * 5)) s"
    sleep $((attempt * 5))
  done
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  touch "$LIBS/.complete"
  say "$(ls "$LIBS" | wc -l) jars in $LIBS"
}

pid_alive() { [ -f "$KAFKA_RUN_DIR/pid" ] && kill -0 "$(cat "$KAFKA_RUN_DIR/pid")" 2>/dev/null; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  fetch
  if pid_alive; then
    say "already running (pid $(cat "$KAFKA_RUN_DIR/pid")) in $KAFKA_RUN_DIR"
    echo "KAFKA_BROKERS=$(cat "$KAFKA_RUN_DIR/brokers")"
    return 0
  fi
  mkdir -p "$KAFKA_RUN_DIR"
  local port="${KAFKA_PORT:-9092}"
  [ "$port" = 0 ] && port="$(free_port)"
  port_open "$port" && die "port $port on 127.0.0.1 is taken; set KAFKA_PORT to another port (0 picks a free one)"
  local cport
  cport="$(free_port)"
  local data
  data="$(mktemp -d "${TMPDIR:-/tmp}/crisiscx-kafka-XXXXXX")"
  local cfg="$KAFKA_RUN_DIR/server.properties"
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  local extra="" scram=() sasl_port="" ssl_port=""
  if [ -n "${KAFKA_SASL_USERS:-}" ]; then
    local jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required"
    local pair user pass
    IFS=',' read -r -a pairs <<<"$KAFKA_SASL_USERS"
    for pair in "${pairs[@]}"; do
      user="${pair%%:*}"
      pass="${pair#*:}"
      [[ "$user" =~ ^[A-Za-z0-9_-]+$ && "$pass" =~ ^[A-Za-z0-9_-]+$ ]] || die "KAFKA_SASL_USERS: use user:password with letters, digits, _ and - only"
      jaas_plain+=" user_$user=\"$pass\""
      scram+=(--add-scram "SCRAM-SHA-256=[name=$user,password=$pass]" --add-scram "SCRAM-SHA-512=[name=$user,password=$pass]")
    done
    jaas_plain+=";"
    sasl_port="$(free_port)"
    listeners+=",SASL_PLAINTEXT://127.0.0.1:$sasl_port"
    advertised+=",SASL_PLAINTEXT://127.0.0.1:$sasl_port"
    protocols+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
    extra+="sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"$'\n'
    local names=(sasl_plaintext)
    if [ "${KAFKA_TLS:-}" = 1 ]; then
      make_certs
      ssl_port="$(free_port)"
      listeners+=",SASL_SSL://127.0.0.1:$ssl_port"
      advertised+=",SASL_SSL://127.0.0.1:$ssl_port"
      protocols+=",SASL_SSL:SASL_SSL"
      extra+="listener.name.sasl_ssl.ssl.keystore.type=PEM"$'\n'
      extra+="listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_RUN_DIR/tls/server.pem"$'\n'
      names+=(sasl_ssl)
    fi
    local n
    for n in "${names[@]}"; do
      extra+="listener.name.$n.plain.sasl.jaas.config=$jaas_plain"$'\n'
      extra+="listener.name.$n.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"$'\n'
      extra+="listener.name.$n.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"$'\n'
    done
  fi
  cat >"$cfg" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
${extra}log.dirs=$data/logs
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# A killed producer's open transaction is aborted once its timeout has passed, checked every second
# instead of every 10 s: read_committed readers behind it (scale-out aggregates) wait less.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$KAFKA_RUN_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_RUN_DIR/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.groups.name = org.apache.kafka.coordinator.group
logger.groups.level = INFO
EOF
  local cp="$LIBS/*"
  local jvm=(-Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_RUN_DIR/log4j2.properties" -Dkafka.logs.dir="$KAFKA_RUN_DIR")
  local t0
  t0="$(date +%s%N)"
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
    -c "$cfg" "${scram[@]}" >"$KAFKA_RUN_DIR/format.log" 2>&1 || { cat "$KAFKA_RUN_DIR/format.log" >&2; die "formatting the KRaft log in $data failed (see above)"; }
  : >"$KAFKA_RUN_DIR/server.log"
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$cfg" >"$KAFKA_RUN_DIR/stdout.log" 2>&1 &
  echo $! >"$KAFKA_RUN_DIR/pid"
  echo "$data" >"$KAFKA_RUN_DIR/data"
  echo "127.0.0.1:$port" >"$KAFKA_RUN_DIR/brokers"
  local deadline=$(($(date +%s) + ${KAFKA_START_TIMEOUT_SECS:-120}))
  # Serving means: the client port accepts connections and the broker logged that it started.
  until port_open "$port" && grep -q "Kafka Server started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$KAFKA_RUN_DIR/server.log"; do
    if ! pid_alive; then
      tail -n 40 "$KAFKA_RUN_DIR/stdout.log" "$KAFKA_RUN_DIR/server.log" >&2 || true
      die "the broker exited while starting (logs above, and in $KAFKA_RUN_DIR)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      stop
      die "the broker did not start within ${KAFKA_START_TIMEOUT_SECS:-120}s (logs in $KAFKA_RUN_DIR); raise KAFKA_START_TIMEOUT_SECS on a slow machine"
    fi
    sleep 0.2
  done
  local ms=$((($(date +%s%N) - t0) / 1000000))
  say "broker $KAFKA_VERSION started on 127.0.0.1:$port in ${ms} ms (pid $(cat "$KAFKA_RUN_DIR/pid"), logs in $KAFKA_RUN_DIR)"
  echo "KAFKA_BROKERS=127.0.0.1:$port"
  [ -n "$sasl_port" ] && echo "KAFKA_SASL_BROKERS=127.0.0.1:$sasl_port"
  [ -n "$ssl_port" ] && echo "KAFKA_SASL_SSL_BROKERS=127.0.0.1:$ssl_port" && echo "KAFKA_TLS_CA=$KAFKA_RUN_DIR/tls/ca.pem"
  echo "KAFKA_START_MS=$ms"
}

# A throw-away CA and a server certificate for 127.0.0.1/localhost (PEM, unencrypted PKCS#8 key).
make_certs() {
  command -v openssl >/dev/null 2>&1 || die "KAFKA_TLS=1 needs openssl: apt-get install -y openssl"
  local d="$KAFKA_RUN_DIR/tls"
  rm -rf "$d"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=crisiscx test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/san.ext" -out "$d/server.crt" >/dev/null 2>&1
  openssl pkcs8 -topk8 -nocrypt -in "$d/server.key" -out "$d/server.p8" >/dev/null 2>&1
  cat "$d/server.p8" "$d/server.crt" "$d/ca.pem" >"$d/server.pem"
}

stop() {
  if ! pid_alive; then
    say "not running (run dir $KAFKA_RUN_DIR)"
  else
    local pid
    pid="$(cat "$KAFKA_RUN_DIR/pid")"
    kill -TERM "$pid" 2>/dev/null || true
    # A controlled shutdown takes a few seconds; then it is killed.
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "broker (pid $pid) did not stop within 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped broker (pid $pid)"
  fi
  if [ -f "$KAFKA_RUN_DIR/data" ]; then
    local data
    data="$(cat "$KAFKA_RUN_DIR/data")"
    case "$data" in */crisiscx-kafka-*) rm -rf "$data" ;; esac
  fi
  rm -f "$KAFKA_RUN_DIR/pid" "$KAFKA_RUN_DIR/data" "$KAFKA_RUN_DIR/brokers"
}

status() {
  if pid_alive; then
    echo "running: pid $(cat "$KAFKA_RUN_DIR/pid"), KAFKA_BROKERS=$(cat "$KAFKA_RUN_DIR/brokers"), logs in $KAFKA_RUN_DIR"
  else
    echo "not running (run dir $KAFKA_RUN_DIR)"
    return 3
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 fetch|start|stop|status" >&2
    exit 2
    ;;
esac
