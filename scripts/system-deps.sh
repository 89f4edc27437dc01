#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for the browser tests (never a downloaded
# browser), gettext for the translation checks, and Pango with the DejaVu fonts for WeasyPrint
# (the patient's record as PDF). Installs only what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# grep reads all of ldconfig's output (no -q), so pipefail never sees ldconfig killed by SIGPIPE.
ldconfig -p | grep libpangoft2-1.0 >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
# wrk (HTTP load generator) only for the benchmark: `bash scripts/system-deps.sh --bench` (make bench).
if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
