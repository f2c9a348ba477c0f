#!/usr/bin/env bash
# Validates the deployment assets with the real tools: promtool (config, rules, rule unit tests),
# docker-compose (the compose file), and a JSON parse of the Grafana dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
python3 -m json.tool deploy/grafana/dashboards/mj-tracker.json > /dev/null && echo "dashboard JSON: valid"
if command -v docker-compose > /dev/null; then
  docker-compose config -q && echo "docker-compose.yml: valid"
else
  echo "docker-compose not installed: compose file not checked" >&2
fi
