#!/bin/sh
# Regenerates src/protocol/generated/ and tests/unit/protocol/generated/ from Kafka's message schemas.
# Usage: tools/kafka_codegen/regenerate.sh [SCHEMA_DIR]   (default /work/shared/kafka-protocol/message)
# Not part of the normal build: the build compiles the committed output.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schema_dir=${1:-/work/shared/kafka-protocol/message}
python3 "$here/kafka_codegen.py" "$schema_dir" --out "$root/src/protocol/generated" \
  --tests-out "$root/tests/unit/protocol/generated"
