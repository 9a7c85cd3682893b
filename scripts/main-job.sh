#!/usr/bin/env bash
# The main job: build the tool and inspect the sample ledger that the project ships
# (fixtures/sample-2org, made by fabric-testgen: valid transactions, deliberately broken ones,
# and a config update that adds an organisation). It prints every signature, certificate and
# binding problem it finds, then a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -q -p fabric-handlers-cli -- \
    inspect-ledger fixtures/sample-2org/ledger.bin
