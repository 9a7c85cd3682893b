//! Ready-made ledgers: one covering every kind of transaction and every fault, and the
//! benchmark shape (a block of N valid transfers with K endorsements each).

use std::fmt::Write as _;

use crate::error::WorkloadError;
use crate::expect::UtxoFault;
use crate::network::{Party, WorkloadSpec};
use crate::workload::{Coin, Workload};

fn coin(w: &Workload, owner: Party, nth: usize) -> Result<Coin, WorkloadError> {
    w.coins_of(owner).into_iter().nth(nth).ok_or_else(|| {
        WorkloadError::request(
            format!("coin #{nth} of party #{}", owner.0),
            "the party has fewer coins",
        )
    })
}

/// A ledger over 2 organisations (3 clients each, both endorsing) covering, after blocks 0
/// (genesis) and 1 (definition):
/// * block 2: issuances of `gold` and `silver`;
/// * block 3: a payment with change, a split, a merge, a transfer to several owners;
/// * block 4: every [`UtxoFault`] that applies to a transfer or an issuance (all flagged,
///   `ExistingOutput` as `DUPLICATE_TXID`);
/// * block 5: the double spend within a block (two payments of one coin: the first valid, the
///   second `MVCC_READ_CONFLICT`) next to a valid payment;
/// * block 6: the double spend across blocks (the coin spent in block 5 spent again:
///   `input-exists`) next to a valid split.
///
/// # Errors
///
/// [`WorkloadError`] (not for any seed).
pub fn coverage(seed: &[u8]) -> Result<Workload, WorkloadError> {
    let mut w = Workload::new(WorkloadSpec::new(seed, 2))?;
    let p = w.parties();
    let party = |i: usize| p.get(i).copied().ok_or(WorkloadError::UnknownParty(i));
    let (a, b, c, d) = (party(0)?, party(1)?, party(2)?, party(3)?);

    // Block 2: issuances.
    let txs = vec![
        w.issue(&[(a, 100), (a, 50), (a, 25)], "gold", UtxoFault::None)?,
        w.issue(&[(b, 70), (b, 30)], "gold", UtxoFault::None)?,
        w.issue(&[(c, 30)], "silver", UtxoFault::None)?,
        w.issue(&[(d, 10), (d, 5), (d, 8)], "gold", UtxoFault::None)?,
    ];
    w.block(txs)?;

    // Block 3: payment with change, split, merge, transfer to several owners.
    let a0 = coin(&w, a, 0)?;
    let b0 = coin(&w, b, 0)?;
    let d_all = w.coins_of(d);
    let a1 = coin(&w, a, 1)?;
    let txs = vec![
        w.pay(&a0, b, 40, UtxoFault::None)?,
        w.split(&b0, 3, UtxoFault::None)?,
        w.merge(&d_all, UtxoFault::None)?,
        w.transfer(
            std::slice::from_ref(&a1),
            &[(c, 10), (d, 10), (a, a1.output.amount - 20)],
            UtxoFault::None,
        )?,
    ];
    w.block(txs)?;

    // Block 4: every fault, each on a coin of its own where it spends one.
    let mut txs = Vec::new();
    let coins_a = w.coins_of(a);
    let coins_b = w.coins_of(b);
    let pick = |coins: &[Coin], i: usize| {
        coins.get(i).cloned().ok_or_else(|| {
            WorkloadError::request(format!("coin #{i}"), "not enough coins for the faults")
        })
    };
    let x = pick(&coins_a, 0)?;
    let pay_all = [(b, x.output.amount)];
    for fault in [
        UtxoFault::InputTwice,
        UtxoFault::InputNotDeleted,
        UtxoFault::WrongOwner,
        UtxoFault::Unbalanced,
        UtxoFault::WrongOutputKey,
        UtxoFault::MixedAssetTypes,
        UtxoFault::MissingEndorsement,
    ] {
        txs.push(w.transfer(std::slice::from_ref(&x), &pay_all, fault)?);
    }
    txs.push(w.split(&x, 2, UtxoFault::Overflow)?);
    txs.push(w.split(&x, 2, UtxoFault::ZeroAmount)?);
    let y = pick(&coins_b, 0)?;
    txs.push(w.merge(&[x, y], UtxoFault::None)?); // two owners: the creator owns only one.
    txs.push(w.issue(&[(a, 5)], "gold", UtxoFault::UnauthorisedIssuance)?);
    txs.push(w.issue(&[(a, 5)], "silver", UtxoFault::ExistingOutput)?);
    txs.push(w.issue(&[(a, 5), (a, 6)], "gold", UtxoFault::Overflow)?);
    txs.push(w.issue(&[(a, 5), (a, 6)], "gold", UtxoFault::MixedAssetTypes)?);
    txs.push(w.issue(&[(a, 5)], "gold", UtxoFault::ZeroAmount)?);
    txs.push(w.issue(&[(a, 5)], "gold", UtxoFault::WrongOutputKey)?);
    txs.push(w.issue(&[(a, 5)], "gold", UtxoFault::MissingEndorsement)?);
    w.block(txs)?;

    // Block 5: the double spend within a block, and a valid payment.
    let target = pick(&w.coins_of(c), 0)?;
    let other = pick(&w.coins_of(b), 1)?;
    let txs = vec![
        w.pay(&target, a, target.output.amount, UtxoFault::None)?,
        w.pay(&target, d, target.output.amount, UtxoFault::None)?,
        w.pay(&other, a, 2, UtxoFault::None)?,
    ];
    w.block(txs)?;

    // Block 6: the double spend across blocks, and a valid split.
    let spent = w.spent().get(&target.key).cloned().ok_or_else(|| {
        WorkloadError::request("the double spend across blocks", "the coin was not spent")
    })?;
    let fresh = pick(&w.coins_of(a), 0)?;
    let txs = vec![
        w.pay(&spent, b, spent.output.amount, UtxoFault::None)?,
        w.split(&fresh, 2, UtxoFault::None)?,
    ];
    w.block(txs)?;
    Ok(w)
}

/// The benchmark ledger: `endorsements` organisations, all endorsing each transaction
/// (policy `OutOf(endorsements, …peers)`), an issuance block giving every party coins, then
/// one block of `transfers` valid payments, each spending one coin whole to the next party.
/// The last block of [`Workload::blocks`] is the transfer block; replay the others first.
///
/// # Errors
///
/// [`WorkloadError::Spec`] for 0 endorsements or 0 transfers.
pub fn transfer_block(
    seed: &[u8],
    endorsements: u32,
    transfers: usize,
) -> Result<Workload, WorkloadError> {
    if transfers == 0 {
        return Err(WorkloadError::Spec(
            "a transfer block needs a transfer".into(),
        ));
    }
    let mut w = Workload::new(WorkloadSpec::new(seed, endorsements))?;
    let parties = w.parties();
    let per_party = transfers.div_ceil(parties.len());
    let mut txs = Vec::new();
    for party in &parties {
        let amounts: Vec<(Party, u64)> = (0..per_party).map(|i| (*party, 1 + i as u64)).collect();
        txs.push(w.issue(&amounts, "token", UtxoFault::None)?);
    }
    w.block(txs)?;
    let coins: Vec<Coin> = w.unspent().values().take(transfers).cloned().collect();
    let mut txs = Vec::with_capacity(transfers);
    for coin in &coins {
        let to = Party((coin.owner.0 + 1) % parties.len());
        txs.push(w.pay(coin, to, coin.output.amount, UtxoFault::None)?);
    }
    w.block(txs)?;
    Ok(w)
}

/// The seed of the committed UTXO sample ledger, `fixtures/sample-utxo` (the [`coverage`]
/// ledger), which the README's main job validates.
pub const SAMPLE_SEED: &[u8] = b"sample-utxo";

/// The expected verdicts of `w`, one line per transaction: block, position, code, kind and
/// fault (the `EXPECTED.txt` beside a sample ledger).
#[must_use]
pub fn expected_listing(w: &Workload) -> String {
    let mut out = String::from("# block tx code kind fault\n");
    for block in w.blocks() {
        for (i, tx) in block.expected.iter().enumerate() {
            let _ = writeln!(
                out,
                "{} {i} {} {:?} {:?}",
                block.number(),
                tx.code.as_str_name(),
                tx.kind,
                tx.fault
            );
        }
    }
    out
}
