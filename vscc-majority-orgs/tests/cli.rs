//! End to end through the command line: the scenario's ledger (genesis Org1+Org2, cmscc
//! transactions, a config block adding OrgX, transactions, a config block adding OrgY,
//! transactions) written as a block stream, then `fabric-handlers validate-ledger --json` run
//! as a process with cmscc under `SignedByMajorityPeerOrgs`, once as the loader's builtin and
//! once loaded from `libvscc_majority_orgs_plugin.so`. The binary and the library are found in
//! `target/<profile>/` (built by `cargo build --workspace`); a missing one fails the test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use fabric_protos::protos::TxValidationCode as Code;
use support::{cdylib, cli_binary, ledger, CMSCC};
use vscc_majority_orgs::PLUGIN_NAME;

/// A temporary folder with the scenario's ledger and two core.yaml files naming the plugin
/// under key `majority`: `builtin.yaml` (the project builtin) and `library.yaml` (the shared
/// library, by absolute path).
struct Setup {
    dir: tempfile::TempDir,
    library: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        ledger::write_block_stream(&dir.path().join("cmschannel.bin"));
        let library = cdylib("vscc_majority_orgs_plugin");
        let validators = "peer:\n  handlers:\n    validators:\n      majority:\n";
        std::fs::write(
            dir.path().join("builtin.yaml"),
            format!("{validators}        name: {PLUGIN_NAME}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("library.yaml"),
            format!(
                "{validators}        name: {PLUGIN_NAME}\n        library: {}\n",
                library.display()
            ),
        )
        .unwrap();
        Setup { dir, library }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `fabric-handlers validate-ledger --json` over the ledger with `core_yaml`, cmscc
    /// validated by `majority` with `rule` as its parameter.
    fn validate(&self, core_yaml: &str, rule: &str) -> Output {
        run(&[
            "validate-ledger".as_ref(),
            "--json".as_ref(),
            "--config".as_ref(),
            self.path(core_yaml).as_os_str(),
            "--chaincode".as_ref(),
            format!("{CMSCC}=majority:param:{rule}").as_ref(),
            self.path("cmschannel.bin").as_os_str(),
        ])
    }

    /// The codes of a clean run (exit status 0), block by block.
    fn codes(&self, core_yaml: &str, rule: &str) -> Vec<Vec<u8>> {
        let output = self.validate(core_yaml, rule);
        let stdout = String::from_utf8(output.stdout.clone()).unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{core_yaml} {rule}: stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        codes_by_block(&stdout)
    }
}

/// Runs the binary without any `CORE_*` override from the test run's environment.
fn run(args: &[&std::ffi::OsStr]) -> Output {
    let mut command = Command::new(cli_binary());
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CORE_") {
            command.env_remove(name);
        }
    }
    command.output().unwrap()
}

/// The unsigned integer field `key` of one JSON object line of the CLI.
fn json_number(line: &str, key: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()?
        .get(key)?
        .as_u64()
}

/// The per-transaction lines' codes grouped by block, in order; checks the blocks are
/// consecutive from 0, the positions consecutive from 0, and the last line is the summary.
fn codes_by_block(stdout: &str) -> Vec<Vec<u8>> {
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, txs) = lines.split_last().unwrap();
    assert!(summary.starts_with("{\"summary\":"), "last line: {summary}");
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for line in txs {
        let block = usize::try_from(json_number(line, "block").unwrap()).unwrap();
        let tx = usize::try_from(json_number(line, "tx").unwrap()).unwrap();
        let code = u8::try_from(json_number(line, "code").unwrap()).unwrap();
        if block == blocks.len() {
            blocks.push(Vec::new());
        }
        assert_eq!(block + 1, blocks.len(), "out of order: {line}");
        assert_eq!(tx, blocks[block].len(), "out of order: {line}");
        blocks[block].push(code);
    }
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(summary).unwrap()["summary"]["txs"].as_u64(),
        Some(blocks.iter().map(|b| b.len() as u64).sum())
    );
    blocks
}

#[test]
fn builtin_and_shared_library_give_the_scenarios_codes() {
    let setup = Setup::new();
    let builtin = setup.codes("builtin.yaml", "MAJORITY");
    let library = setup.codes("library.yaml", "MAJORITY");
    assert_eq!(builtin, library);
    assert_eq!(builtin, ledger::expected_codes("MAJORITY"));
}

#[test]
fn other_rules_change_the_codes_as_they_say() {
    let setup = Setup::new();
    let majority = ledger::expected_codes("MAJORITY");
    for rule in ["ALL", "OutOf(3)"] {
        let builtin = setup.codes("builtin.yaml", rule);
        assert_eq!(builtin, setup.codes("library.yaml", rule), "{rule}");
        assert_eq!(builtin, ledger::expected_codes(rule), "{rule}");
        assert_ne!(builtin, majority, "{rule}");
    }
}

#[test]
fn a_parameter_that_is_no_rule_invalidates_every_cmscc_transaction() {
    let setup = Setup::new();
    let output = setup.validate("library.yaml", "TwoThirds");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let cmscc_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| json_number(l, "block").is_some_and(|b| b % 2 == 1))
        .collect();
    assert_eq!(cmscc_lines.len(), 4 + 6 + 2);
    for line in &cmscc_lines {
        assert_eq!(
            json_number(line, "code"),
            Some(Code::EndorsementPolicyFailure as u64),
            "{line}"
        );
        assert!(line.contains("TwoThirds"), "{line}");
    }
}

#[test]
fn check_plugins_reports_the_library_under_majority() {
    let setup = Setup::new();
    let output = run(&[
        "check-plugins".as_ref(),
        "--config".as_ref(),
        setup.path("library.yaml").as_os_str(),
    ]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("majority"))
        .unwrap_or_else(|| panic!("no majority line in:\n{stdout}"));
    let from_library = format!("library {}", setup.library.display());
    assert!(
        line.starts_with("ok") && line.contains(&from_library) && line.contains(PLUGIN_NAME),
        "{line}"
    );
}
