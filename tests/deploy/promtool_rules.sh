#!/usr/bin/env bash
# The alerting rules operators load: promtool checks their syntax and runs their unit tests
# (deploy/prometheus/sluice.rules.test.yml).
#   promtool_rules.sh SOURCE_DIR
set -euo pipefail
cd "$1/deploy/prometheus"
promtool check rules sluice.rules.yml
promtool test rules sluice.rules.test.yml
