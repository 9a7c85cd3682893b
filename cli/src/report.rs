//! What `inspect-ledger` prints: human-readable text or JSON Lines.

use serde_json::{json, Value};

/// Counters of one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Blocks read.
    pub blocks: u64,
    /// Transactions read.
    pub txs: u64,
    /// Config blocks applied.
    pub config_blocks: u64,
    /// Block-level problems (hashes, well-formedness, chain, unreadable records).
    pub block_problems: u64,
    /// Signatures that verified.
    pub signatures_ok: u64,
    /// Signatures that did not verify (or whose signer could not be deserialized).
    pub signatures_failed: u64,
    /// Signer certificates that chain to their MSP.
    pub identities_valid: u64,
    /// Signer certificates that do not.
    pub identities_invalid: u64,
    /// Endorser transactions whose txid or proposal hash is wrong.
    pub binding_failures: u64,
    /// Transactions that could not be decoded.
    pub undecodable_txs: u64,
    /// Transactions whose signatures were not checked (no channel configuration yet).
    pub unchecked_txs: u64,
}

/// Where output goes and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// JSON Lines instead of text.
    pub json: bool,
}

impl Printer {
    /// A block-level problem.
    pub fn block_problem(self, block: u64, problem: &str, detail: &str) {
        if self.json {
            println!(
                "{}",
                json!({"block": block, "problem": problem, "detail": detail})
            );
        } else {
            println!("block {block}: {problem}: {detail}");
        }
    }

    /// A transaction-level finding.
    pub fn tx_finding(self, block: u64, tx: usize, txid: &str, finding: &str, detail: &str) {
        if self.json {
            println!(
                "{}",
                json!({"block": block, "tx": tx, "txid": txid, "finding": finding, "detail": detail})
            );
        } else {
            println!("block {block} tx {tx}: {finding}: {detail}");
        }
    }

    /// A channel configuration was taken from a config block.
    pub fn config_applied(self, block: u64, sequence: u64, orgs: &[&str]) {
        if self.json {
            println!(
                "{}",
                json!({"block": block, "config_sequence": sequence, "application_orgs": orgs})
            );
        } else {
            println!(
                "block {block}: channel configuration sequence {sequence}, application orgs {}",
                orgs.join(", ")
            );
        }
    }

    /// The last line.
    pub fn summary(self, s: &Summary) {
        let value: Value = json!({"summary": {
            "blocks": s.blocks,
            "txs": s.txs,
            "config_blocks": s.config_blocks,
            "block_problems": s.block_problems,
            "signatures_ok": s.signatures_ok,
            "signatures_failed": s.signatures_failed,
            "identities_valid": s.identities_valid,
            "identities_invalid": s.identities_invalid,
            "binding_failures": s.binding_failures,
            "undecodable_txs": s.undecodable_txs,
            "unchecked_txs": s.unchecked_txs,
        }});
        if self.json {
            println!("{value}");
        } else {
            println!(
                "\n{} blocks, {} transactions, {} config blocks\n\
                 block-level problems: {}\n\
                 signatures: {} ok, {} failed\n\
                 signer certificates: {} valid, {} invalid\n\
                 txid / proposal-hash failures: {}\n\
                 undecodable transactions: {}, unchecked (no channel configuration): {}",
                s.blocks,
                s.txs,
                s.config_blocks,
                s.block_problems,
                s.signatures_ok,
                s.signatures_failed,
                s.identities_valid,
                s.identities_invalid,
                s.binding_failures,
                s.undecodable_txs,
                s.unchecked_txs
            );
        }
    }
}
