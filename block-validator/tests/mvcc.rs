//! Read-set validation at commit (spec 5.3 and 9.7's MVCC expectations): a read of a key
//! written earlier in the same block or at a stale version is MVCC_READ_CONFLICT, a range
//! query that would now see another key is PHANTOM_READ_CONFLICT, and the writes of invalid
//! transactions (for any reason) are never applied.
#![allow(clippy::unwrap_used)]

mod support;

use handlers_api::validation::ValidationError;
use support::{
    bytes_of, commit, net, ns, options, plugins, started, tx, value, version_of, Code, Scripted,
};

#[test]
fn mvcc_and_phantom_reads_across_and_within_blocks() {
    let net = net();
    let plugin = Scripted::new(|call| {
        if call.namespace == "badcc" {
            Err(ValidationError::Invalid("badcc is refused".into()))
        } else {
            Ok(())
        }
    });
    let mut validator = started(
        plugins(&[("script", plugin.factory())]),
        options(4, &[("mycc", "script", None), ("badcc", "script", None)]),
    );
    let c = net.client(1);

    let block1 = [tx("mycc", c)
        .rw(&[ns("mycc")
            .write("a1", b"1")
            .write("a3", b"3")
            .write("k1", b"1")])
        .envelope()];
    assert_eq!(commit(&mut validator, 1, &block1).codes, vec![0]);
    assert_eq!(version_of(&validator, "mycc", "k1"), Some((1, 0)));

    let block2 = [
        // 0: writes k2.
        tx("mycc", c).rw(&[ns("mycc").write("k2", b"2")]).envelope(),
        // 1: read k2 (absent when endorsed) after tx 0 wrote it ⇒ conflict; k5 not applied.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k2", None).write("k5", b"5")])
            .envelope(),
        // 2: reads k1 at its committed version and rewrites it.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k1", Some((1, 0))).write("k1", b"1b")])
            .envelope(),
        // 3: stale version of k1.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k1", Some((0, 0)))])
            .envelope(),
        // 4: flagged by the plugin; its write of k3 must not count.
        tx("badcc", c)
            .rw(&[ns("badcc").write("k3", b"3")])
            .envelope(),
        // 5: k3 read as absent in badcc: valid (tx 4's write was never applied).
        tx("mycc", c)
            .rw(&[ns("badcc").read("k3", None), ns("mycc").write("k6", b"6")])
            .envelope(),
        // 6: a new key inside the range [a0, a9).
        tx("mycc", c).rw(&[ns("mycc").write("a2", b"2")]).envelope(),
        // 7: the range query saw a1 and a3 only and ran to its end ⇒ phantom (a2).
        tx("mycc", c)
            .rw(&[ns("mycc")
                .range("a0", "a9", true, &[("a1", (1, 0)), ("a3", (1, 0))])
                .write("z7", b"7")])
            .envelope(),
        // 8: k1 at (1, 0), but tx 2 rewrote it in this block ⇒ conflict.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k1", Some((1, 0)))])
            .envelope(),
    ];
    let verdict = commit(&mut validator, 2, &block2);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::Valid,
            Code::MvccReadConflict,
            Code::Valid,
            Code::MvccReadConflict,
            Code::EndorsementPolicyFailure,
            Code::Valid,
            Code::Valid,
            Code::PhantomReadConflict,
            Code::MvccReadConflict,
        ]),
        "{:?}",
        verdict.reasons
    );
    assert_eq!(version_of(&validator, "mycc", "k2"), Some((2, 0)));
    assert_eq!(version_of(&validator, "mycc", "k1"), Some((2, 2)));
    assert_eq!(value(&validator, "mycc", "k1").unwrap(), b"1b");
    assert_eq!(value(&validator, "mycc", "k5"), None);
    assert_eq!(value(&validator, "badcc", "k3"), None);
    assert_eq!(version_of(&validator, "mycc", "k6"), Some((2, 5)));
    assert_eq!(version_of(&validator, "mycc", "a2"), Some((2, 6)));
    assert_eq!(value(&validator, "mycc", "z7"), None);
    // Flagged transactions' IDs are still in the ledger (Fabric indexes every tx).
    assert!(support::has_txid(&validator, &verdict.txids[1]));

    let block3 = [
        // 0: the old view of the range misses a2, now committed.
        tx("mycc", c)
            .rw(&[ns("mycc").range("a0", "a9", true, &[("a1", (1, 0)), ("a3", (1, 0))])])
            .envelope(),
        // 1: the current view.
        tx("mycc", c)
            .rw(&[ns("mycc").range(
                "a0",
                "a9",
                true,
                &[("a1", (1, 0)), ("a2", (2, 6)), ("a3", (1, 0))],
            )])
            .envelope(),
        // 2: a query that stopped early only vouches for what it read.
        tx("mycc", c)
            .rw(&[ns("mycc").range("a0", "a9", false, &[("a1", (1, 0))])])
            .envelope(),
        // 3: a version that changed inside the range.
        tx("mycc", c)
            .rw(&[ns("mycc").range("k0", "k2", true, &[("k1", (1, 0))])])
            .envelope(),
        // 4: deletes k2.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k2", Some((2, 0))).delete("k2")])
            .envelope(),
        // 5: reads k2 after the delete in this block.
        tx("mycc", c)
            .rw(&[ns("mycc").read("k2", Some((2, 0)))])
            .envelope(),
    ];
    let verdict = commit(&mut validator, 3, &block3);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::PhantomReadConflict,
            Code::Valid,
            Code::Valid,
            Code::PhantomReadConflict,
            Code::Valid,
            Code::MvccReadConflict,
        ]),
        "{:?}",
        verdict.reasons
    );
    assert_eq!(value(&validator, "mycc", "k2"), None);

    // Block 4: k2 is gone, so reading it as absent is valid.
    let verdict = commit(
        &mut validator,
        4,
        &[tx("mycc", c).rw(&[ns("mycc").read("k2", None)]).envelope()],
    );
    assert_eq!(verdict.codes, vec![0]);
}

/// Writes of transactions rejected before any plugin (bad creator signature) or by the
/// default plugin are not applied either, and MVCC runs after the plugin verdicts.
#[test]
fn writes_of_invalid_transactions_are_not_applied() {
    let net = net();
    let mut validator = started(plugins(&[]), options(2, &[("mycc", "vscc", None)]));
    let (p1, p2) = (net.peer(1), net.peer(2));
    let block = [
        // Endorsement policy failure.
        tx("mycc", net.client(1))
            .endorsed_by(&[p1])
            .rw(&[ns("mycc").write("x", b"bad")])
            .envelope(),
        // Creator outside the channel.
        tx("mycc", net.client(3))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").write("y", b"bad")])
            .envelope(),
        // Reads x and y as absent: valid, because neither write was applied.
        tx("mycc", net.client(2))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").read("x", None).read("y", None).write("z", b"ok")])
            .envelope(),
    ];
    let verdict = commit(&mut validator, 1, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::EndorsementPolicyFailure,
            Code::BadCreatorSignature,
            Code::Valid
        ]),
        "{:?}",
        verdict.reasons
    );
    assert_eq!(value(&validator, "mycc", "x"), None);
    assert_eq!(value(&validator, "mycc", "y"), None);
    assert_eq!(version_of(&validator, "mycc", "z"), Some((1, 2)));
}
