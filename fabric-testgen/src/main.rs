//! `fabric-testgen`: writes a deterministic sample ledger (MSP folders, config block, blocks of
//! valid and deliberately invalid endorser transactions, MANIFEST.json).

use std::path::PathBuf;
use std::process::ExitCode;

use fabric_testgen::msp::OrgSpec;
use fabric_testgen::sample::{generate, SampleSpec};

const USAGE: &str = "\
usage: fabric-testgen --out DIR [options]
       fabric-testgen --out DIR --preset sample-2org

options:
  --seed S             seed string (default: fabric-testgen)
  --orgs N             application organisations in the genesis config (default 2)
  --node-ous           enable NodeOUs (role OUs in certificates, config.yaml, MSP config)
  --intermediate-ca    issue every application organisation's leaves from an intermediate CA
  --revoked-client     give the last genesis organisation a client2 revoked by a CRL
  --add-org            add one more organisation with a config update after the transactions
  --txs N              endorser transactions before the update (default 20)
  --txs-per-block N    transactions per block (default 10)
  --txs-after-update N transactions after the update (default 4, needs --add-org)
  --channel NAME       channel name (default testchannel)
  --app-capability C   application capability, V2_0 or V2_5 (default V2_5)
  --blockfile          also write a Fabric peer blockfile (blockfile_000000)
  --preset sample-2org the committed fixture set (ignores the options above)";

fn parse_number(flag: &str, value: Option<String>) -> Result<u32, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: {value:?} is not a non-negative integer"))
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<(PathBuf, SampleSpec), String> {
    let mut out = None;
    let mut seed = "fabric-testgen".to_owned();
    let mut orgs = 2;
    let mut node_ous = false;
    let mut intermediate = false;
    let mut revoked = false;
    let mut add_org = false;
    let mut txs = None;
    let mut per_block = None;
    let mut after = None;
    let mut channel = None;
    let mut capability = None;
    let mut blockfile = false;
    let mut preset = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(args.next().ok_or("--out needs a directory")?)),
            "--seed" => seed = args.next().ok_or("--seed needs a value")?,
            "--orgs" => orgs = parse_number("--orgs", args.next())?,
            "--node-ous" => node_ous = true,
            "--intermediate-ca" => intermediate = true,
            "--revoked-client" => revoked = true,
            "--add-org" => add_org = true,
            "--txs" => txs = Some(parse_number("--txs", args.next())?),
            "--txs-per-block" => per_block = Some(parse_number("--txs-per-block", args.next())?),
            "--txs-after-update" => after = Some(parse_number("--txs-after-update", args.next())?),
            "--channel" => channel = Some(args.next().ok_or("--channel needs a name")?),
            "--app-capability" => {
                capability = Some(args.next().ok_or("--app-capability needs a value")?)
            }
            "--blockfile" => blockfile = true,
            "--preset" => preset = Some(args.next().ok_or("--preset needs a name")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if let Some(preset) = preset {
        return match preset.as_str() {
            "sample-2org" => Ok((out, SampleSpec::sample_2org())),
            other => Err(format!("unknown preset {other:?} (known: sample-2org)")),
        };
    }
    if orgs == 0 {
        return Err("--orgs must be at least 1".to_owned());
    }
    let mut spec = SampleSpec::new(seed.as_bytes(), orgs, node_ous);
    for org in &mut spec.app_orgs {
        org.intermediate_ca = intermediate;
    }
    if revoked {
        if let Some(last) = spec.app_orgs.last_mut() {
            last.extra_clients = 1;
            last.revoked = vec!["client2".to_owned()];
        }
    }
    if add_org {
        spec.added_org = Some(OrgSpec {
            node_ous,
            intermediate_ca: intermediate,
            ..OrgSpec::application(orgs + 1)
        });
    }
    if let Some(channel) = channel {
        spec.channel.channel_id = channel;
    }
    if let Some(capability) = capability {
        spec.channel.application_capability = capability;
    }
    spec.txs = txs.unwrap_or(spec.txs);
    spec.txs_per_block = per_block.unwrap_or(spec.txs_per_block);
    spec.txs_after_update = after.unwrap_or(spec.txs_after_update);
    spec.blockfile = blockfile;
    Ok((out, spec))
}

fn main() -> ExitCode {
    let (out, spec) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("fabric-testgen: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ledger = match generate(&spec) {
        Ok(ledger) => ledger,
        Err(e) => {
            eprintln!("fabric-testgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = ledger.files.write_to(&out) {
        eprintln!("fabric-testgen: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} files ({} bytes) to {}: {} blocks, {} endorser transactions",
        ledger.files.len(),
        ledger.files.total_size(),
        out.display(),
        ledger.blocks.len(),
        ledger.txs.len()
    );
    ExitCode::SUCCESS
}
