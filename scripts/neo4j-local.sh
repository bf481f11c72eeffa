#!/usr/bin/env bash
# Run a real Neo4j Community (the version in tests/neo4j-server/pom.xml) on this
# machine without Docker, the one the test suite runs against.
#
#   eval "$(bash scripts/neo4j-local.sh start)"   # start it, point this shell at it
#   bash scripts/neo4j-local.sh status            # running? (exit 0) or not (exit 1)
#   bash scripts/neo4j-local.sh stop              # stop it and delete its data
#   eval "$(bash scripts/neo4j-local.sh import-start --nodes=n.csv --relationships=r.csv)"
#                       # a fresh one, filled first by Neo4j's bulk importer
#                       # (`neo4j-admin database import full neo4j OPTIONS`)
#
# `start` builds the small Maven project in tests/neo4j-server (Maven fetches
# Neo4j into ~/.m2 the first time), starts it with Bolt on 127.0.0.1 on a free
# port, authentication on with a fresh random password, LOAD CSV from files
# refused and its data in a temporary folder, waits until Bolt answers, then
# prints the export lines for STATECRIME_STORE, NEO4J_URI, NEO4J_USER and
# NEO4J_PASSWORD on standard output (everything else goes to standard error).
# Starting when it already runs prints the same lines again. It needs Java 17
# (or 21) and Maven, installed from Debian's packages when missing.
#
# The password reaches the server on its standard input, never its command line.
# Environment: STATECRIME_NEO4J_STATE (the folder that records one instance:
# set it to run a second, private one), STATECRIME_NEO4J_HEAP (default 1g),
# STATECRIME_NEO4J_PAGECACHE (default 256m), STATECRIME_NEO4J_JAVA (a java
# binary), STATECRIME_NEO4J_START_TIMEOUT (seconds, default 300).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$REPO/tests/neo4j-server"
STATE="${STATECRIME_NEO4J_STATE:-$PROJECT/target/run}"
HEAP="${STATECRIME_NEO4J_HEAP:-1g}"
START_TIMEOUT="${STATECRIME_NEO4J_START_TIMEOUT:-300}"

say() { echo "neo4j-local: $*" >&2; }

apt_install() {
  local missing=() pkg sudo=""
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { say "please install: ${missing[*]}"; exit 1; }
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

find_java() {
  # Neo4j 5.26 runs on Java 17 or 21 (not 25).
  local candidate major
  for candidate in "${STATECRIME_NEO4J_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" \
      "$(command -v java || true)" /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/java-21-openjdk-*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    major="$(java_major "$candidate")"
    if [ "$major" = 17 ] || [ "$major" = 21 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_tools() {
  if ! JAVA="$(find_java)"; then
    apt_install openjdk-17-jdk-headless
    JAVA="$(find_java)" || { say "no Java 17 or 21 found"; exit 1; }
  fi
  command -v mvn >/dev/null || apt_install maven
  export JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")"
}

build() {
  local stamp="$PROJECT/target/built.stamp"
  if [ -f "$stamp" ] && [ -f "$PROJECT/target/classpath.txt" ] && [ "$stamp" -nt "$PROJECT/pom.xml" ] \
      && [ -z "$(find "$PROJECT/src" -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  say "building tests/neo4j-server (the first time Maven fetches Neo4j, about 130 MB)"
  mvn -B -q -f "$PROJECT/pom.xml" -DskipTests package >&2
  touch "$stamp"
}

running() {
  [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null
}

print_env() {
  cat "$STATE/env"
}

start() {
  if running && [ -f "$STATE/env" ]; then print_env; return 0; fi
  [ -d "$STATE" ] && stop_quietly
  ensure_tools
  build
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  local home password started
  home="$(mktemp -d "${TMPDIR:-/tmp}/statecrime-neo4j-XXXXXXXX")"
  echo "$home" >"$STATE/home"
  if [ $# -gt 0 ]; then
    # import-start: fill the database with Neo4j's own bulk importer (the engine of
    # `neo4j-admin database import full`, from the Maven artifact neo4j-import-tool)
    # before the server first opens it.
    mkdir -p "$home/neo4j/conf"
    : >"$home/neo4j/conf/neo4j.conf"
    say "importing: neo4j-admin database import full neo4j $*"
    if ! (cd "$home/neo4j" && NEO4J_HOME="$home/neo4j" NEO4J_CONF="$home/neo4j/conf" \
        env -u NEO4J_PASSWORD "$JAVA" -Xmx"$HEAP" -cp "$PROJECT/target/classes:$(cat "$PROJECT/target/classpath.txt")" \
        org.neo4j.cli.AdminTool database import full neo4j "$@" >"$STATE/import.log" 2>&1); then
      say "the import failed; its output:"; grep -v '^\s*at ' "$STATE/import.log" | tail -n 30 >&2
      rm -rf "$home" "$STATE"; exit 1
    fi
    rm -rf "$home/neo4j/conf"
  fi
  # 24 random letters and digits: safe in shell, URLs and export lines.
  password="$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 || true)"
  started=$(date +%s)
  # setsid: the server outlives this script and ignores the caller's Ctrl-C;
  # its output goes to a log, so `eval "$(... start)"` does not wait for it.
  # env -u: a NEO4J_PASSWORD left in the caller's environment must not replace this one.
  setsid env -u NEO4J_PASSWORD "$JAVA" -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
      --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
      -cp "$PROJECT/target/classes:$(cat "$PROJECT/target/classpath.txt")" \
      statecrime.neo4j.Launcher "$home/neo4j" \
      <<<"$password" >"$STATE/log" 2>&1 &
  echo $! >"$STATE/pid"
  while [ ! -f "$home/neo4j/bolt.port" ]; do
    if ! running; then
      say "Neo4j did not start; its output:"; tail -n 40 "$STATE/log" >&2
      rm -rf "$home" "$STATE"; exit 1
    fi
    if [ $(( $(date +%s) - started )) -ge "$START_TIMEOUT" ]; then
      say "Neo4j did not start within ${START_TIMEOUT}s"; tail -n 40 "$STATE/log" >&2
      stop_quietly; exit 1
    fi
    sleep 0.5
  done
  local port uri
  port="$(cat "$home/neo4j/bolt.port")"
  uri="bolt://127.0.0.1:$port"
  (umask 077; cat >"$STATE/env" <<EOF
export STATECRIME_STORE=$uri
export NEO4J_URI=$uri
export NEO4J_USER=neo4j
export NEO4J_PASSWORD=$password
EOF
  )
  say "Neo4j $(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$PROJECT/pom.xml") ready on $uri after $(( $(date +%s) - started ))s (pid $(cat "$STATE/pid"))"
  print_env
}

stop_quietly() {
  local pid home i
  if [ -f "$STATE/pid" ]; then
    pid="$(cat "$STATE/pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$STATE/home" ]; then
    home="$(cat "$STATE/home")"
    case "$home" in */statecrime-neo4j-*) rm -rf "$home" ;; esac
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  import-start)
    shift
    [ $# -gt 0 ] || { echo "usage: bash scripts/neo4j-local.sh import-start --nodes=FILE... [--relationships=FILE...]" >&2; exit 2; }
    running && { say "already running: stop it first"; exit 1; }
    start "$@" ;;
  stop) stop_quietly; say "stopped" ;;
  status) if running; then say "running (pid $(cat "$STATE/pid"))"; else say "not running"; exit 1; fi ;;
  *) echo "usage: bash scripts/neo4j-local.sh start|import-start IMPORT-OPTIONS...|stop|status" >&2; exit 2 ;;
esac
