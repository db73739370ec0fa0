#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the
# getting-started demo as the document describes it: one scheduler and one
# worker process on this machine, config/examples/simple, and a task that
# sleeps a second and writes "done". The scheduler exits once all 4 tasks
# are done (--exit_when_done); then the worker is stopped. scripts/build.sh
# first builds the patched CAF (scripts/build-caf.sh; once, into .caf/).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
demo_dir=${DEMO_DIR:-/tmp/bistro_demo}
rm -rf "$demo_dir"
mkdir -p "$demo_dir"

./build/apps/bistro_scheduler --server_port=6789 --http_server_port=6790 \
  --config_file=config/examples/simple --clean_statuses \
  --CAUTION_startup_wait_for_workers=1 --instance_node_name=scheduler \
  --data_dir="$demo_dir/scheduler" --exit_when_done &
scheduler=$!
./build/apps/bistro_worker --scheduler_host=:: --scheduler_port=6789 \
  --worker_command="$PWD/scripts/demo_bistro_task.sh" \
  --data_dir="$demo_dir/worker" &
worker=$!
trap 'kill "$worker" "$scheduler" 2>/dev/null || true' EXIT

status=0
wait "$scheduler" || status=$?
kill "$worker" 2>/dev/null || true
wait "$worker" 2>/dev/null || true
trap - EXIT
echo
echo "demo finished (scheduler exit $status):"
echo "  task statuses: in memory only (--clean_statuses, as in the getting-started command)"
echo "  task working dirs: $demo_dir/worker/jobs/"
echo "  task output and status events: $demo_dir/worker/task_logs (LMDB)"
exit "$status"
