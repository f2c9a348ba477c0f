#!/usr/bin/env bash
# Checks the deployment assets with the real tools, without a Docker engine:
#   promtool      the Prometheus config, the alert rules, the rule unit tests, and every dashboard
#                 query (parsed as PromQL)
#   python3       the dashboard's JSON and its structure (datasource, no Grafana variables)
#   docker-compose / docker compose   the compose file, alone and with deploy/compose.secret.yml
# With --build it also packages the worker and the simulator as deploy/Dockerfile does and starts
# each jar the way the image's ENTRYPOINT does (jar beside lib/), which catches a broken Class-Path
# or main class without building an image.
# Exit status: 0 when every check passed (a check whose tool is missing counts as skipped, and is
# reported), 1 otherwise. Needs: promtool (apt-get install prometheus), python3.
set -uo pipefail
cd "$(dirname "$0")/.."

build=false
for arg in "$@"; do
  case "$arg" in
    --build) build=true ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "usage: deploy/check.sh [--build]" >&2; exit 2 ;;
  esac
done

passed=0 failed=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: runs the command, shows its output only when it fails.
check() {
  local name=$1; shift
  if "$@" > "$tmp/out" 2>&1; then
    echo "ok      $name"; passed=$((passed + 1))
  else
    echo "FAILED  $name"; sed 's/^/        /' "$tmp/out"; failed=$((failed + 1))
  fi
}
skip() {
  echo "skipped $1 ($2)"; skipped=$((skipped + 1))
}

# ---- Prometheus ----------------------------------------------------------------------------------
if command -v promtool > /dev/null; then
  check "prometheus.yml (promtool check config)" promtool check config deploy/prometheus/prometheus.yml
  check "k8s/prometheus-scrape.yml (promtool check config)" promtool check config deploy/k8s/prometheus-scrape.yml
  check "alerts.yml (promtool check rules)" promtool check rules deploy/prometheus/alerts.yml
  check "alerts_test.yml (promtool test rules)" promtool test rules deploy/prometheus/alerts_test.yml
else
  echo "FAILED  promtool not found: apt-get install prometheus"; failed=$((failed + 1))
fi

# ---- Grafana -------------------------------------------------------------------------------------
dashboard=deploy/grafana/dashboards/mj-tracker.json
check "dashboard JSON (python3 -m json.tool)" python3 -m json.tool "$dashboard"
# Every query becomes a recording rule so that promtool parses it as PromQL. Grafana variables
# ($__rate_interval, $instance) are refused: PrometheusIT and alert tooling run the expressions as
# they are; the one exception is the dashboard's upstream filter ($upstream), which they run as .*.
dashboard_structure() {
  python3 - "$dashboard" "$tmp/dashboard_rules.yml" <<'EOF'
import json, sys
dashboard = json.load(open(sys.argv[1]))
problems, rules = [], []
if dashboard.get("uid") != "mj-tracker":
    problems.append("dashboard uid must stay mj-tracker (links and the home dashboard use it)")
ids = [p.get("id") for p in dashboard["panels"]]
cells = {}
for panel in dashboard["panels"]:
    g = panel["gridPos"]
    if g["x"] + g["w"] > 24:
        problems.append(f"panel {panel.get('title')!r} is wider than the 24-column grid")
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            if (x, y) in cells:
                problems.append(f"panels {cells[x, y]!r} and {panel.get('title')!r} overlap")
            cells[x, y] = panel.get("title")
if len(ids) != len(set(ids)):
    problems.append("panel ids are not unique")
for panel in dashboard["panels"]:
    title = panel.get("title", "?")
    targets = panel.get("targets")
    if targets is None:
        problems.append(f"panel {title!r} has no targets list")
        continue
    if panel["type"] != "row" and not targets:
        problems.append(f"panel {title!r} has no query")
    if targets and panel.get("datasource", {}).get("uid") != "prometheus":
        problems.append(f"panel {title!r}: datasource uid must be prometheus")
    for target in targets:
        expr = target.get("expr", "").replace("$upstream", ".*")
        if not expr.strip():
            problems.append(f"panel {title!r}: empty expression")
        elif "$" in expr:
            problems.append(f"panel {title!r}: Grafana variable in {expr!r}")
        rules.append(expr)
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for n, expr in enumerate(rules):
        out.write(f"      - record: dashboard:query_{n}\n        expr: {json.dumps(expr)}\n")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
EOF
}
check "dashboard structure (targets, datasource, no variables, layout)" dashboard_structure
if command -v promtool > /dev/null && [ -s "$tmp/dashboard_rules.yml" ]; then
  check "dashboard queries parse as PromQL (promtool check rules)" promtool check rules "$tmp/dashboard_rules.yml"
fi
if python3 -c 'import yaml' 2> /dev/null; then
  check "Grafana provisioning YAML parses" python3 -c '
import sys, yaml
for path in sys.argv[1:]:
    yaml.safe_load(open(path))
' deploy/grafana/provisioning/datasources/prometheus.yml deploy/grafana/provisioning/dashboards/dashboards.yml
else
  skip "Grafana provisioning YAML" "python3 yaml module missing: apt-get install python3-yaml"
fi

# ---- docker-compose ------------------------------------------------------------------------------
compose=()
if command -v docker-compose > /dev/null; then
  compose=(docker-compose)
elif command -v docker > /dev/null && docker compose version > /dev/null 2>&1; then
  compose=(docker compose)
fi
if [ ${#compose[@]} -gt 0 ]; then
  check "docker-compose.yml (${compose[*]} config)" "${compose[@]}" -f docker-compose.yml config -q
  check "docker-compose.yml + deploy/compose.secret.yml" \
    env MJ_API_KEY_SECRET_FILE="$tmp/key" "${compose[@]}" -f docker-compose.yml -f deploy/compose.secret.yml config -q
else
  skip "docker-compose.yml" "neither docker-compose nor docker compose installed"
fi

# ---- --build: the jars the Dockerfile copies, started as its ENTRYPOINT starts them --------------
if $build; then
  if ./mvnw -B -q -pl worker,simulator -am package -DskipTests > "$tmp/build.log" 2>&1; then
    echo "ok      ./mvnw -pl worker,simulator -am package"; passed=$((passed + 1))
    image="$tmp/image"
    # The jars need the JDK 25 the build compiled for; Maven itself may run on an older default java.
    java=""
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25*; do
      if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
        java="$candidate/bin/java"; break
      fi
    done
    java="${java:-java}"
    mkdir -p "$image/app"
    cp -r worker/target/lib "$image/app/lib"
    cp worker/target/mj-tracker-worker.jar simulator/target/mj-tracker-simulator.jar "$image/app/"
    # The JVM flags of the worker's ENTRYPOINT (the last one in the file), between "java" and "-jar".
    read -r -a java_opts <<< "$(sed -n 's/^ENTRYPOINT \["java", \(.*\), "-jar", .*$/\1/p' deploy/Dockerfile | tail -n1 | tr -d '",')"
    # With no configuration the worker must load every class it needs to validate its settings,
    # then exit 2 naming the missing variable.
    worker_starts() {
      local status=0
      (cd "$image" && env -i PATH="$PATH" \
        "$java" "${java_opts[@]}" -jar "$image/app/mj-tracker-worker.jar") > "$tmp/worker.log" 2>&1 || status=$?
      cat "$tmp/worker.log"
      [ "$status" -eq 2 ] && grep -q KAFKA_BOOTSTRAP_SERVERS "$tmp/worker.log" \
        && ! grep -qE 'WARNING|NOTE:|Exception|\|-(INFO|WARN)' "$tmp/worker.log"
    }
    check "worker jar starts from app/ with lib/ (exit 2, settings named, no JVM warnings)" worker_starts
    check "simulator jar starts (--help)" "$java" -jar "$image/app/mj-tracker-simulator.jar" --help
  else
    echo "FAILED  ./mvnw -pl worker,simulator -am package"; sed 's/^/        /' "$tmp/build.log"; failed=$((failed + 1))
  fi
fi

echo "deploy checks: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
