#!/usr/bin/env bash
# Install statecrime and run the main job on the embedded store: the curated
# dataset loaded, proxy chains printed, the HTML view written.
# Arguments are passed to `statecrime demo` (e.g. --output view.html).
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
venv_setup ""
exec .venv/bin/statecrime demo "$@"
