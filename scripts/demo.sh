#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the demo.
# Until the scheduler's actor system exists, the demo checks and prints the
# getting-started config (config/examples/simple).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./build/apps/bistro_scheduler --config_file=config/examples/simple \
  --check_config --instance_node_name=scheduler
