#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that building, testing and running sluice need.
# Idempotent and non-interactive; works as root or through sudo.
set -euo pipefail

packages=(
  # toolchain (lld: deploy/test.sh's clang build links with it)
  build-essential cmake pkg-config git ca-certificates clang libclang-rt-14-dev clang-format clang-tidy
  lld
  # libraries
  libboost-dev libpqxx-dev libpq-dev libyaml-cpp-dev libhowardhinnant-date-dev
  libspdlog-dev libfmt-dev catch2 nlohmann-json3-dev libcli11-dev libsystemd-dev
  libzstd-dev libcurl4-openssl-dev libmariadb-dev libexpected-dev libxxhash-dev tzdata
  libssl-dev prometheus-cpp-dev libre2-dev libdtl-dev
  # servers and clients the tests and the quickstart start
  postgresql postgresql-contrib postgresql-client mariadb-server mariadb-client
  clickhouse-server clickhouse-client
  # tools the scripts use (wrk: the HTTP API benchmark; its baseline, pgbench, comes with
  # postgresql's server package)
  procps iproute2 util-linux zstd curl openssl wrk
  # systemd-analyze verify of the unit, dpkg-deb for the package test, promtool for the
  # alerting rules and the metrics, Graphviz's dot to read back `sluicectl graph -o dot`
  systemd dpkg-dev prometheus graphviz
  # the web console's browser tests: Debian's Chromium, driven by playwright-core from npm
  chromium fonts-dejavu-core
  # the e-mail notification tests' SMTP server (run as /usr/bin/python3 -m aiosmtpd)
  python3-aiosmtpd
)

# Node.js and npm (the OpenAPI linter) come with the machine; Debian's when they do not.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
