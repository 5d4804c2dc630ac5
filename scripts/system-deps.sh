#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests (Playwright drives Debian's
# build; it never downloads a browser), PostgreSQL and Redis for the second run of the suite,
# npm for the test tools of package.json.
# Installed when missing and we are root.
set -euo pipefail
needed=()
[ -x /usr/bin/chromium ] || needed+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || needed+=(postgresql)
command -v redis-server >/dev/null || needed+=(redis-server)
command -v pdftoppm >/dev/null || needed+=(poppler-utils)  # printed reports turned into images
command -v npm >/dev/null || needed+=(npm)  # axe-core for the accessibility tests (package.json)
command -v wrk >/dev/null || needed+=(wrk)  # the benchmark (tests/test_bench.py runs its machinery)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${needed[*]}. Install them: sudo apt-get install -y ${needed[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
