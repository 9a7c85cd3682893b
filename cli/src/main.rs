//! `fabric-handlers`: the project's command-line tool.
//!
//! Subcommands:
//! * `validate-ledger`: replay a ledger through the block validator and the validation plugins
//!   core.yaml names, and report Fabric's verdict for every transaction (exit 0 clean, 1
//!   mismatches with the recorded filters or block-level problems, 2 halted on a plugin
//!   execution failure or unusable input);
//! * `check-plugins`: load every handler of a core.yaml and report each one (exit 2 when any
//!   fails);
//! * `inspect-ledger`: read ledger files in any supported format, check the hash chain and
//!   every block's well-formedness, and check every transaction's signatures and certificate
//!   chains against the channel configuration in force (exit 0 sound, 1 block-level problems,
//!   2 unusable input).

mod check_plugins;
mod inspect;
mod report;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tools for Hyperledger Fabric ledgers and handlers.
#[derive(Debug, Parser)]
#[command(name = "fabric-handlers", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode ledger files, check hashes, and check every signature and certificate chain.
    InspectLedger(inspect::InspectArgs),
    /// Replay a ledger through the block validator and the configured validation plugins, and
    /// report Fabric's verdict for every transaction (exit 0 clean, 1 mismatches or block
    /// problems, 2 halted or unusable input).
    ValidateLedger(validate::ValidateArgs),
    /// Load every handler core.yaml names and print kind, key, builtin or library path,
    /// interface version and SHA-256 (exit 0 all loaded, 2 any failure or unusable config).
    CheckPlugins(check_plugins::CheckPluginsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::InspectLedger(args) => match inspect::run(&args) {
            Ok(summary) => {
                if summary.block_problems > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(err) => {
                eprintln!("fabric-handlers inspect-ledger: {err}");
                ExitCode::from(2)
            }
        },
        Command::ValidateLedger(args) => match validate::run(&args) {
            Ok(validate::Verdict::Clean) => ExitCode::SUCCESS,
            Ok(validate::Verdict::Findings) => ExitCode::from(1),
            Ok(validate::Verdict::Halted) => ExitCode::from(2),
            Err(err) => {
                eprintln!("fabric-handlers validate-ledger: {err}");
                ExitCode::from(2)
            }
        },
        Command::CheckPlugins(args) => match check_plugins::run(&args) {
            Ok(check_plugins::Outcome::AllLoaded) => ExitCode::SUCCESS,
            Ok(check_plugins::Outcome::Failures) => ExitCode::from(2),
            Err(err) => {
                eprintln!("fabric-handlers check-plugins: {err}");
                ExitCode::from(2)
            }
        },
    }
}
