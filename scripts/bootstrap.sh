# Sourced by scripts/demo.sh and tests/run.sh: make .venv with statecrime installed.
#
# On a fresh Debian machine with Python 3.11 this installs what is missing from
# Debian's packages (python3-venv, and the extra packages the caller names),
# then creates .venv and installs the project into it. Nothing is downloaded
# at run time after this: the embedded store, its Java runtime and the Cypher
# checker come from PyPI and npm here.

set -euo pipefail

apt_install() {
  # apt_install PACKAGE... : install Debian packages that are missing (as root, or with sudo).
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_ok() {
  python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

if ! python_ok; then
  if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt_install python3-venv
  else
    echo "statecrime needs Python 3.11 or newer; python3 is $(python3 --version 2>&1)" >&2
    exit 1
  fi
fi

venv_setup() {
  # venv_setup EXTRAS : create .venv (once) and install the project with those extras.
  local extras="${1:-}"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
}
