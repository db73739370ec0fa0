#!/bin/sh
# The getting-started demo task: argv[1] is the node, argv[2] the status
# file, argv[3] the JSON with the job's config and prev_status.
echo "working on node $1 with $3"
sleep 1
echo done > "$2"
