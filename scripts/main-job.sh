#!/usr/bin/env bash
# The main job: build the tool and the project's plugin libraries, then replay the sample ledger
# that the project ships (fixtures/sample-2org, made by fabric-testgen: valid transactions,
# deliberately broken ones, and a config update that adds an organisation) through the block
# validator, with core.yaml.example loading every handler from its shared library.
#
# It prints each plugin loaded (kind, key, file, interface version, SHA-256), then every
# transaction whose verdict is not VALID is counted in the summary: blocks, transactions,
# verdicts by code, throughput. Exit status 0 when everything validated.
#
# The dev profile is used on purpose: dependencies are optimised in it (Cargo.toml), our own
# crates compile much faster than in release, and CI has already built it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q -p fabric-handlers-cli -p escc-default-plugin -p vscc-default-plugin \
    -p vscc-majority-orgs-plugin -p vscc-utxo-plugin
bin="$target/debug/fabric-handlers"

echo "== plugins (core.yaml.example, libraries from $target/debug)"
"$bin" check-plugins --config core.yaml.example --plugins-dir "$target/debug"

echo
echo "== validate-ledger fixtures/sample-2org/ledger.bin"
# mycc has no _lifecycle definition in this ledger: name its validation plugin explicitly;
# its endorsement policy is then the channel's /Channel/Application/Endorsement (MAJORITY).
"$bin" validate-ledger --config core.yaml.example --plugins-dir "$target/debug" \
    --chaincode mycc=vscc fixtures/sample-2org/ledger.bin
