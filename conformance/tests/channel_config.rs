//! `fabric-config` against the real config blocks: every config block of every real ledger and
//! the four standalone config blocks build a `ChannelConfig` whose sequence, organisations,
//! MSPs, capabilities, hashing algorithm and application policies agree with the MANIFEST.json
//! facts; and the bench corpus MSP folders build the configtxgen-style channel config.
//!
//! Each test collects every disagreement of its ledger or block and fails once, listing them
//! all, so that one wrong field does not hide the others.

// The helpers below are test code reading fixed fixtures: a manifest of the wrong shape must
// panic, as in `#[test]` functions themselves.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use bytes::Bytes;
use common::{config_facts, decode_tx, inner_config, manifest, shared};
use fabric_config::{
    config_envelope_from_envelope, ChannelConfig, FolderChannelOptions, MspFolder, MspKind,
};
use fabric_ledger::{LedgerDir, LedgerFile};
use fabric_policies::{describe_policy, parse_policy, ImplicitMetaRule, Policy};
use serde_json::Value;

/// Disagreements found so far; [`Failures::finish`] panics listing them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn eq<T: PartialEq + Debug>(&mut self, what: impl AsRef<str>, got: T, want: T) {
        if got != want {
            self.0.push(format!(
                "{}: got {got:?}, manifest says {want:?}",
                what.as_ref()
            ));
        }
    }

    fn fail(&mut self, what: impl AsRef<str>) {
        self.0.push(what.as_ref().to_owned());
    }

    fn finish(self, subject: &str) {
        assert!(
            self.0.is_empty(),
            "{subject}: {} disagreement(s):\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, found {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("expected a string, found {s}"))
                .to_owned()
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn sorted_msp_ids(orgs: &[fabric_config::Organization]) -> Vec<String> {
    sorted(orgs.iter().map(|o| o.msp_id.clone()).collect())
}

fn rule_text(rule: ImplicitMetaRule) -> String {
    match rule {
        ImplicitMetaRule::Any => "ANY".to_owned(),
        ImplicitMetaRule::All => "ALL".to_owned(),
        ImplicitMetaRule::Majority => "MAJORITY".to_owned(),
        ImplicitMetaRule::Unknown(n) => n.to_string(),
    }
}

/// Checks one policy of the channel against the manifest's text of it
/// (`ImplicitMeta MAJORITY Endorsement` or `Signature OR('Org1MSP.peer', ...)`).
fn check_policy(
    f: &mut Failures,
    at: &str,
    cfg: &ChannelConfig,
    path: &str,
    want: &str,
    n_orgs: usize,
) {
    let absolute = format!("/Channel/{path}");
    let found = cfg.policies().get_policy(&absolute);
    f.eq(format!("{at}: {absolute} resolves"), found.is_found(), true);
    f.eq(
        format!("{at}: {path} resolves (relative)"),
        cfg.policies().get_policy(path).is_found(),
        true,
    );
    let Some(policy) = found.policy() else { return };
    if let Some(rest) = want.strip_prefix("ImplicitMeta ") {
        let Policy::ImplicitMeta(meta) = policy else {
            f.fail(format!(
                "{at}: {path} is not an implicit-meta policy (manifest: {want})"
            ));
            return;
        };
        let (rule, sub) = rest
            .split_once(' ')
            .unwrap_or_else(|| panic!("manifest policy text {want:?}"));
        f.eq(
            format!("{at}: {path} rule"),
            rule_text(meta.rule()),
            rule.to_owned(),
        );
        f.eq(
            format!("{at}: {path} sub-policy"),
            meta.sub_policy_name(),
            sub,
        );
        f.eq(
            format!("{at}: {path} sub-policy count (one per application org)"),
            meta.sub_policies().len(),
            n_orgs,
        );
    } else if let Some(text) = want.strip_prefix("Signature ") {
        let Policy::Signature(signature) = policy else {
            f.fail(format!(
                "{at}: {path} is not a signature policy (manifest: {want})"
            ));
            return;
        };
        // Both sides through the same printer: the manifest writes a one-principal gate as
        // AND(...), the printer as OR(...); principals, roles and thresholds must agree.
        match parse_policy(text) {
            Ok(envelope) => f.eq(
                format!("{at}: {path} signature policy"),
                describe_policy(signature.envelope()),
                describe_policy(&envelope),
            ),
            Err(e) => f.fail(format!(
                "{at}: manifest policy {text:?} does not parse: {e}"
            )),
        }
    } else {
        f.fail(format!(
            "{at}: {path}: manifest policy kind not understood: {want:?}"
        ));
    }
}

/// Checks everything of a manifest `last_config` that `ChannelConfig` exposes. Not exposed
/// (skipped): `consensus_type`; `block` is checked by the callers.
fn check_last_config(f: &mut Failures, at: &str, cfg: &ChannelConfig, want: &Value) {
    f.eq(
        format!("{at}: sequence"),
        cfg.sequence(),
        want["sequence"].as_u64().unwrap(),
    );
    let app_ids: Vec<String> = cfg
        .application_msp_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    f.eq(
        format!("{at}: application orgs"),
        sorted(app_ids),
        sorted(strings(&want["application_orgs"])),
    );
    f.eq(
        format!("{at}: orderer orgs"),
        sorted_msp_ids(cfg.orderer_orgs()),
        sorted(strings(&want["orderer_orgs"])),
    );
    f.eq(
        format!("{at}: consortium orgs"),
        sorted_msp_ids(cfg.consortium_orgs()),
        sorted(strings(&want["consortium_orgs"])),
    );

    // Root certificates and NodeOUs, per MSP ID (every MSP of the config).
    let all_ids: BTreeSet<String> = cfg
        .application_orgs()
        .iter()
        .chain(cfg.orderer_orgs())
        .chain(cfg.consortium_orgs())
        .map(|o| o.msp_id.clone())
        .collect();
    let roots = want["msp_root_certs"].as_object().unwrap();
    f.eq(
        format!("{at}: MSP IDs"),
        all_ids,
        roots.keys().cloned().collect(),
    );
    for (msp_id, count) in roots {
        let Some(org) = cfg.organization_by_msp_id(msp_id) else {
            f.fail(format!("{at}: no organisation with MSP ID {msp_id}"));
            continue;
        };
        let got = org.fabric_msp().map(|m| m.root_certs.len() as u64);
        f.eq(
            format!("{at}: {msp_id} root certs (None = not an X.509 MSP)"),
            got,
            count.as_u64(),
        );
        let node_ous = want["node_ous_enabled"][msp_id].as_bool().unwrap();
        f.eq(
            format!("{at}: {msp_id} NodeOUs enabled"),
            org.node_ous_enabled(),
            node_ous,
        );
    }

    // Capabilities per level; a level the manifest does not list has none.
    let caps = cfg.capabilities();
    let mut levels: BTreeMap<&str, BTreeSet<String>> = BTreeMap::from([
        ("Channel", caps.channel.clone()),
        ("Orderer", caps.orderer.clone()),
        ("Application", caps.application.clone()),
    ]);
    for (level, names) in want["capabilities"].as_object().unwrap() {
        match levels.remove(level.as_str()) {
            Some(got) => f.eq(
                format!("{at}: {level} capabilities"),
                got,
                strings(names).into_iter().collect(),
            ),
            None => f.fail(format!(
                "{at}: manifest capabilities at {level}: ChannelConfig has no such level"
            )),
        }
    }
    for (level, got) in levels {
        f.eq(format!("{at}: {level} capabilities"), got, BTreeSet::new());
    }

    f.eq(
        format!("{at}: hashing algorithm"),
        cfg.hashing_algorithm(),
        want["hashing_algorithm"].as_str(),
    );

    // Application policies: exactly the manifest's set, each with the manifest's meaning.
    let policies = want["application_policies"].as_object().unwrap();
    match cfg.policies().manager(&["Application"]) {
        Some(app) => {
            let got: BTreeSet<String> = app
                .policy_names()
                .filter(|n| !n.contains('/'))
                .map(|n| format!("Application/{n}"))
                .collect();
            f.eq(
                format!("{at}: application policy names"),
                got,
                policies.keys().cloned().collect(),
            );
        }
        None => {
            if !policies.is_empty() {
                f.fail(format!("{at}: no policy manager for Channel/Application"));
            }
        }
    }
    let n_orgs = cfg.application_orgs().len();
    for (path, text) in policies {
        check_policy(f, at, cfg, path, text.as_str().unwrap(), n_orgs);
    }
}

/// Builds the config of one config transaction and checks sequence and application orgs
/// against the manifest's entry for it. `None` (with a recorded failure) when it does not build.
fn check_config_tx(
    f: &mut Failures,
    at: &str,
    envelope: &Bytes,
    tx: &Value,
) -> Option<ChannelConfig> {
    f.eq(
        format!("{at}: manifest tx type"),
        tx["type"].as_str(),
        Some("CONFIG"),
    );
    let cfg = match ChannelConfig::from_config_block_envelope(envelope.clone()) {
        Ok(cfg) => cfg,
        Err(e) => {
            f.fail(format!(
                "{at}: ChannelConfig::from_config_block_envelope failed: {e}"
            ));
            return None;
        }
    };
    f.eq(
        format!("{at}: channel id"),
        cfg.channel_id().to_owned(),
        decode_tx(envelope).channel_id,
    );
    f.eq(
        format!("{at}: config sequence"),
        Some(cfg.sequence()),
        tx["config_sequence"].as_u64(),
    );
    let app_ids: Vec<String> = cfg
        .application_msp_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    f.eq(
        format!("{at}: application orgs"),
        sorted(app_ids),
        sorted(strings(&tx["application_orgs"])),
    );
    Some(cfg)
}

fn check_ledger(name: &str) {
    let manifest = manifest(&format!("fabric-ledgers/{name}/MANIFEST.json"));
    let dir = LedgerDir::open(shared(&format!("fabric-ledgers/{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let blocks = manifest["blocks"].as_array().unwrap();
    let last = &manifest["summary"]["last_config"];
    let mut f = Failures::default();
    let mut config_blocks = Vec::new();
    let mut last_checked = false;
    for file in dir.files() {
        for block in file.blocks() {
            let block = block.unwrap_or_else(|e| panic!("{name}: {e}"));
            if block.envelopes.len() != 1
                || decode_tx(&block.envelopes[0]).header_type_name != "CONFIG"
            {
                continue;
            }
            config_blocks.push(block.number);
            let at = format!("{name} block {}", block.number);
            let want = blocks
                .iter()
                .find(|b| b["number"].as_u64() == Some(block.number))
                .unwrap_or_else(|| panic!("{at}: not in the manifest"));
            let Some(cfg) = check_config_tx(&mut f, &at, &block.envelopes[0], &want["txs"][0])
            else {
                continue;
            };
            if last["block"].as_u64() == Some(block.number) {
                check_last_config(&mut f, &format!("{at} (last config)"), &cfg, last);
                last_checked = true;
            }
        }
    }
    let want_blocks: Vec<u64> = manifest["summary"]["config_blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect();
    f.eq(format!("{name}: config blocks"), config_blocks, want_blocks);
    if !last_checked {
        f.fail(format!(
            "{name}: last config block {} was not checked",
            last["block"]
        ));
    }
    f.finish(name);
}

#[test]
fn sample_prod_v2_sampleorg_configs() {
    check_ledger("sample-prod-v2-sampleorg");
}

#[test]
fn glued_together_malformed_configs() {
    check_ledger("glued-together-malformed");
}

#[test]
fn from_snapshot_v25_3org_configs() {
    check_ledger("from-snapshot-v25-3org");
}

#[test]
fn v20_marbles_pvtdata_3org_configs() {
    check_ledger("v20-marbles-pvtdata-3org");
}

#[test]
fn synthetic_kvledger_v13_mvcc_configs() {
    check_ledger("synthetic-kvledger-v13-mvcc");
}

/// The manifest item of a standalone config block and the block itself.
fn config_block_item(file_name: &str) -> (Value, fabric_ledger::RawBlock) {
    let manifest = manifest("fabric-ledgers/config-blocks/MANIFEST.json");
    let item = manifest["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["files"][0]["file"] == file_name)
        .unwrap_or_else(|| panic!("{file_name} is not in config-blocks/MANIFEST.json"))
        .clone();
    let file = LedgerFile::open(shared(&format!("fabric-ledgers/config-blocks/{file_name}")))
        .unwrap_or_else(|e| panic!("{file_name}: {e}"));
    let mut blocks: Vec<_> = file
        .blocks()
        .map(|b| b.unwrap_or_else(|e| panic!("{file_name}: {e}")))
        .collect();
    assert_eq!(blocks.len(), 1, "{file_name}: one block");
    (item, blocks.remove(0))
}

/// A standalone CONFIG block: the tx entry and the whole `last_config`.
fn check_config_block(file_name: &str) -> Option<ChannelConfig> {
    let (item, block) = config_block_item(file_name);
    let mut f = Failures::default();
    let last = &item["summary"]["last_config"];
    f.eq(
        format!("{file_name}: block number"),
        block.number,
        item["blocks"][0]["number"].as_u64().unwrap(),
    );
    f.eq(
        format!("{file_name}: last config block"),
        Some(block.number),
        last["block"].as_u64(),
    );
    f.eq(format!("{file_name}: envelopes"), block.envelopes.len(), 1);
    let cfg = check_config_tx(
        &mut f,
        file_name,
        &block.envelopes[0],
        &item["blocks"][0]["txs"][0],
    );
    if let Some(cfg) = &cfg {
        check_last_config(&mut f, file_name, cfg, last);
    }
    f.finish(file_name);
    cfg
}

#[test]
fn kafka_3org_idemix_config_block() {
    let cfg = check_config_block("kafka-3org-idemix-mychannel.block").unwrap();
    // The manifest lists Org3MSP with no root certificates: it is the IDEMIX MSP.
    let idemix = cfg
        .organization_by_msp_id("Org3MSP")
        .expect("Org3MSP is an application org");
    assert_eq!(idemix.msp, MspKind::Idemix, "Org3MSP's MSP kind");
    assert!(idemix.fabric_msp().is_none());
    for id in ["Org1MSP", "Org2MSP", "OrdererMSP"] {
        let org = cfg
            .organization_by_msp_id(id)
            .unwrap_or_else(|| panic!("{id}"));
        assert!(
            matches!(org.msp, MspKind::Fabric(_)),
            "{id} is an X.509 MSP"
        );
    }
}

#[test]
fn etcdraft_genesis_config_block() {
    let cfg = check_config_block("etcdraft-genesis-testchannel.block").unwrap();
    assert_eq!(cfg.sequence(), 1);
}

#[test]
fn smartbft_genesis_config_block() {
    // Org1MSP's root CA carries a high-S signature and is also its NodeOU certificate. Fabric
    // (msp/mspimpl.go sanitizeCert at the spec's snapshot) sanitises a self-signed CA against
    // itself before validating it, so the MSP sets up; an older sanitizeCert (spec 7.1's
    // description) would have refused it with "certificate signed by unknown authority".
    check_config_block("smartbft-genesis-mychannel.block");
}

/// The v1.x system-channel block: an ORDERER_TRANSACTION wrapping the CONFIG that creates
/// channel `bar`. The manifest does not open the wrapper, so the config facts come from an
/// independent prost reading of the inner config (`common::config_facts`), which
/// `independent_config_reading_agrees_with_the_manifests` checks against every manifest.
#[test]
fn syschannel_orderer_transaction_config_block() {
    let file_name = "syschannel-orderer-tx-block3.pb";
    let (item, block) = config_block_item(file_name);
    let notes = manifest("fabric-ledgers/config-blocks/MANIFEST.json")["notes"].to_string();
    let inner_channel = notes
        .split("wraps the CONFIG creating channel ")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_')
                .next()
        })
        .expect("the notes name the channel the ORDERER_TRANSACTION creates");
    let mut f = Failures::default();
    let tx = &item["blocks"][0]["txs"][0];
    f.eq(
        format!("{file_name}: manifest tx type"),
        tx["type"].as_str(),
        Some("ORDERER_TRANSACTION"),
    );
    let envelope = &block.envelopes[0];
    let facts = decode_tx(envelope);
    f.eq(
        format!("{file_name}: header type"),
        facts.header_type_name,
        "ORDERER_TRANSACTION",
    );
    f.eq(
        format!("{file_name}: outer channel"),
        Some(facts.channel_id.as_str()),
        item["summary"]["channels"][0].as_str(),
    );
    match config_envelope_from_envelope(envelope.clone()) {
        Ok(tx) => {
            f.eq(
                format!("{file_name}: wrapped"),
                tx.wrapped_in_orderer_transaction,
                true,
            );
            f.eq(
                format!("{file_name}: inner channel"),
                tx.channel_id.as_str(),
                inner_channel,
            );
        }
        Err(e) => f.fail(format!(
            "{file_name}: config_envelope_from_envelope failed: {e}"
        )),
    }
    let (outer_type, channel_id, config) = inner_config(envelope);
    assert_eq!(outer_type, 4, "the oracle saw the ORDERER_TRANSACTION");
    assert_eq!(channel_id, inner_channel);
    let want = config_facts(&config);
    match ChannelConfig::from_config_block_envelope(envelope.clone()) {
        Ok(cfg) => {
            f.eq(
                format!("{file_name}: channel id"),
                cfg.channel_id(),
                inner_channel,
            );
            check_last_config(&mut f, file_name, &cfg, &want);
            // Org3MSP is an IDEMIX MSP here too (the oracle found no root certificates).
            if want["msp_root_certs"]["Org3MSP"].is_null() {
                let kind = cfg.organization_by_msp_id("Org3MSP").map(|o| o.msp.clone());
                f.eq(
                    format!("{file_name}: Org3MSP kind"),
                    kind,
                    Some(MspKind::Idemix),
                );
            }
        }
        Err(e) => f.fail(format!(
            "{file_name}: ChannelConfig::from_config_block_envelope failed: {e}"
        )),
    }
    f.finish(file_name);
}

/// The independent reading used for the system-channel block reproduces every manifest's
/// `last_config` (orgs compared as sets: the manifests keep the wire's map order).
#[test]
fn independent_config_reading_agrees_with_the_manifests() {
    let mut cases: Vec<(String, Bytes, Value)> = Vec::new();
    for name in common::BLOCKFILE_LEDGERS {
        let manifest = manifest(&format!("fabric-ledgers/{name}/MANIFEST.json"));
        let last = manifest["summary"]["last_config"].clone();
        let dir = LedgerDir::open(shared(&format!("fabric-ledgers/{name}"))).unwrap();
        let block = dir
            .files()
            .iter()
            .flat_map(|f| f.blocks())
            .map(Result::unwrap)
            .find(|b| Some(b.number) == last["block"].as_u64())
            .unwrap_or_else(|| panic!("{name}: last config block"));
        cases.push((name.to_owned(), block.envelopes[0].clone(), last));
    }
    for file_name in [
        "kafka-3org-idemix-mychannel.block",
        "etcdraft-genesis-testchannel.block",
        "smartbft-genesis-mychannel.block",
    ] {
        let (item, block) = config_block_item(file_name);
        cases.push((
            file_name.to_owned(),
            block.envelopes[0].clone(),
            item["summary"]["last_config"].clone(),
        ));
    }
    for (name, envelope, want) in cases {
        let got = config_facts(&inner_config(&envelope).2);
        for key in ["application_orgs", "orderer_orgs", "consortium_orgs"] {
            assert_eq!(
                sorted(strings(&got[key])),
                sorted(strings(&want[key])),
                "{name}: {key}"
            );
        }
        for key in [
            "sequence",
            "msp_root_certs",
            "node_ous_enabled",
            "capabilities",
            "hashing_algorithm",
            "application_policies",
        ] {
            assert_eq!(got[key], want[key], "{name}: {key}");
        }
    }
}

/// The bench corpus folders give configtxgen's sample policies and resolvable paths.
#[test]
fn bench_corpus_msp_folders() {
    let ids = ["Org1MSP", "Org2MSP", "Org3MSP"];
    let folders: Vec<MspFolder> = ids
        .iter()
        .map(|id| MspFolder {
            msp_id: (*id).to_owned(),
            path: shared(&format!("bench-corpus/msp/{id}")),
        })
        .collect();
    let cfg = ChannelConfig::from_msp_folders(&folders, &FolderChannelOptions::new("benchchannel"))
        .unwrap_or_else(|e| panic!("from_msp_folders: {e}"));
    assert_eq!(cfg.channel_id(), "benchchannel");
    assert_eq!(cfg.application_msp_ids(), ids.to_vec());
    let mut f = Failures::default();
    let at = "bench corpus";
    let n = ids.len();
    check_policy(
        &mut f,
        at,
        &cfg,
        "Application/Endorsement",
        "ImplicitMeta MAJORITY Endorsement",
        n,
    );
    check_policy(
        &mut f,
        at,
        &cfg,
        "Application/LifecycleEndorsement",
        "ImplicitMeta MAJORITY Endorsement",
        n,
    );
    check_policy(
        &mut f,
        at,
        &cfg,
        "Application/Readers",
        "ImplicitMeta ANY Readers",
        n,
    );
    check_policy(
        &mut f,
        at,
        &cfg,
        "Application/Writers",
        "ImplicitMeta ANY Writers",
        n,
    );
    check_policy(
        &mut f,
        at,
        &cfg,
        "Application/Admins",
        "ImplicitMeta MAJORITY Admins",
        n,
    );
    for id in ids {
        let member = format!("Signature OR('{id}.member')");
        check_policy(
            &mut f,
            at,
            &cfg,
            &format!("Application/{id}/Endorsement"),
            &member,
            n,
        );
        check_policy(
            &mut f,
            at,
            &cfg,
            &format!("Application/{id}/Readers"),
            &member,
            n,
        );
        check_policy(
            &mut f,
            at,
            &cfg,
            &format!("Application/{id}/Writers"),
            &member,
            n,
        );
        check_policy(
            &mut f,
            at,
            &cfg,
            &format!("Application/{id}/Admins"),
            &format!("Signature OR('{id}.admin')"),
            n,
        );
        // The printed form is exactly the one the brief gives, not only equivalent to it.
        if let Some(Policy::Signature(sig)) = cfg
            .policies()
            .get_policy(&format!("/Channel/Application/{id}/Endorsement"))
            .policy()
        {
            f.eq(
                format!("{at}: {id}/Endorsement text"),
                describe_policy(sig.envelope()),
                format!("OR('{id}.member')"),
            );
        }
        let org = cfg
            .organization_by_msp_id(id)
            .unwrap_or_else(|| panic!("{id}"));
        assert!(
            org.fabric_msp().is_some_and(|m| !m.root_certs.is_empty()),
            "{id}: root certs loaded"
        );
    }
    // Every implicit-meta Endorsement sub-policy is bound to an org's Endorsement policy.
    if let Some(Policy::ImplicitMeta(meta)) = cfg
        .policies()
        .get_policy("/Channel/Application/Endorsement")
        .policy()
    {
        let groups: Vec<&str> = meta
            .sub_policies()
            .iter()
            .map(|s| s.group.as_str())
            .collect();
        f.eq(
            format!("{at}: Endorsement sub-policy groups"),
            groups,
            ids.to_vec(),
        );
        f.eq(
            format!("{at}: Endorsement sub-policies bound"),
            meta.sub_policies().iter().all(|s| s.policy.is_some()),
            true,
        );
        f.eq(format!("{at}: MAJORITY of 3"), meta.threshold(), 2);
    }
    // Unknown paths are not found.
    f.eq(
        format!("{at}: unknown org"),
        cfg.policies()
            .get_policy("/Channel/Application/Org4MSP/Endorsement")
            .is_found(),
        false,
    );
    f.finish(at);
}
