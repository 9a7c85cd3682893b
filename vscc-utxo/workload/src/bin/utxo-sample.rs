//! `utxo-sample --out DIR`: writes the committed UTXO sample ledger, the
//! [`scenario::coverage`] ledger under [`scenario::SAMPLE_SEED`], as `DIR/ledger.bin` (a block
//! stream whose blocks carry the TRANSACTIONS_FILTER Fabric's committer would write, so that
//! `validate-ledger --check-recorded` compares against it) and `DIR/EXPECTED.txt`
//! ([`scenario::expected_listing`]).

use std::path::PathBuf;
use std::process::ExitCode;

use utxo_workload::scenario;

const USAGE: &str = "usage: utxo-sample --out DIR";

fn out_dir(mut args: impl Iterator<Item = String>) -> Result<PathBuf, String> {
    match (args.next().as_deref(), args.next(), args.next()) {
        (Some("--out"), Some(dir), None) => Ok(PathBuf::from(dir)),
        _ => Err(USAGE.to_owned()),
    }
}

fn run() -> Result<PathBuf, String> {
    let dir = out_dir(std::env::args().skip(1))?;
    let workload = scenario::coverage(scenario::SAMPLE_SEED)
        .map_err(|e| format!("generating the ledger: {e}"))?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    workload
        .write_block_stream(&dir.join("ledger.bin"), true)
        .map_err(|e| e.to_string())?;
    let path = dir.join("EXPECTED.txt");
    std::fs::write(&path, scenario::expected_listing(&workload))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(dir)
}

fn main() -> ExitCode {
    match run() {
        Ok(dir) => {
            println!("wrote {}/ledger.bin and EXPECTED.txt", dir.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("utxo-sample: {message}");
            ExitCode::from(2)
        }
    }
}
