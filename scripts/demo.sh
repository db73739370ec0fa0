#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the
# getting-started demo: config/examples/simple with a task that sleeps a
# second and writes "done". The scheduler exits once all 4 tasks are done.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
data_dir=${DATA_DIR:-/tmp/bistro_demo}
rm -rf "$data_dir"
./build/apps/bistro_scheduler --config_file=config/examples/simple \
  --worker_command="$PWD/scripts/demo_bistro_task.sh" \
  --data_dir="$data_dir" --instance_node_name=scheduler \
  --clean_statuses --CAUTION_startup_wait_for_workers=1 \
  --exit_when_done --stats_interval_ms=1000
echo
echo "demo finished: task working dirs are in $data_dir/jobs/,"
echo "task output and status events in the LMDB store $data_dir/task_logs."
