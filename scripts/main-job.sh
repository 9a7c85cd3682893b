#!/usr/bin/env bash
# The main job: build the tool and the project's plugin libraries, then replay the sample ledgers
# that the project ships through the block validator, with core.yaml.example loading every
# handler from its shared library:
# * fixtures/sample-2org (made by fabric-testgen): valid transactions, deliberately broken ones,
#   and a config update that adds an organisation, under the default validation;
# * fixtures/sample-utxo (made by utxo-workload's utxo-sample): issuances, transfers, every UTXO
#   rule broken once and the three kinds of double spend, under the UTXO plugin that the
#   ledger's own _lifecycle definition names; its blocks carry the verdicts Fabric's committer
#   would record, and --check-recorded compares every computed code with them;
# * fixtures/sample-cmscc (the vscc-majority-orgs scenario): consortium-management transactions
#   validated by SignedByMajorityPeerOrgs with MAJORITY while config blocks add organisations,
#   also checked against the verdicts its blocks record.
#
# It prints each plugin loaded (kind, key, file, interface version, SHA-256), the reason of every
# transaction whose verdict is not VALID, and a summary per ledger: blocks, transactions,
# verdicts by code, throughput. Exit status 0 when everything validated (and agreed).
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

echo
echo "== validate-ledger fixtures/sample-utxo/ledger.bin (--check-recorded)"
"$bin" validate-ledger --config core.yaml.example --plugins-dir "$target/debug" \
    --check-recorded fixtures/sample-utxo/ledger.bin

echo
echo "== validate-ledger fixtures/sample-cmscc/ledger.bin (--check-recorded)"
# cmscc has no _lifecycle definition in this ledger: name its plugin and parameter explicitly.
"$bin" validate-ledger --config core.yaml.example --plugins-dir "$target/debug" \
    --chaincode cmscc=majority:param:MAJORITY --check-recorded fixtures/sample-cmscc/ledger.bin
