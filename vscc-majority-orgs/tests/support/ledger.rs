//! The scenario as a ledger: genesis (Org1, Org2), cmscc transactions, a config block
//! adding OrgX, transactions, a config block adding OrgY, transactions; and the codes Fabric's
//! committer gives it under each rule.

use std::path::Path;

use bytes::Bytes;
use fabric_protos::protos::TxValidationCode as Code;
use fabric_testgen::block::BlockChain;
use fabric_testgen::files::block_stream;
use fabric_testgen::tx::Fault;

use super::{consortium, Consortium};

/// An envelope that is no transaction (a payload of 2 bytes that do not decode, no
/// signature): the block validator flags it BAD_PAYLOAD, while a ledger reader rejects the
/// whole block as not well formed, so the ledger files leave it out.
pub const NOT_A_TRANSACTION: &[u8] = b"\x0a\x02no";

/// The scenario's transactions, each with the configuration it is validated under (0 genesis,
/// 1 after OrgX joined, 2 after OrgY joined), in ledger order. Every call makes new
/// transactions (new tx IDs) with the same endorsers.
pub fn scenario_txs() -> Vec<(u8, Bytes)> {
    let c = consortium();
    let (org1, org2, orgx, orgy, orgz) = (
        Consortium::peer(&c.org1),
        Consortium::peer(&c.org2),
        Consortium::peer(&c.orgx),
        Consortium::peer(&c.orgy),
        Consortium::peer(&c.orgz),
    );
    let org2_revoked = Consortium::id(&c.org2, "client3");
    let org1_client = Consortium::id(&c.org1, "client");
    vec![
        (0, c.tx(&[org1], Fault::None)),
        (0, c.tx(&[org1, org2], Fault::None)),
        (0, c.tx(&[org1, org2_revoked], Fault::None)),
        (0, c.tx(&[org1_client, org2], Fault::None)),
        (1, c.tx(&[org1, orgx], Fault::None)),
        (1, c.tx(&[orgx], Fault::None)),
        (1, c.tx(&[org2, orgy], Fault::None)),
        (1, c.tx_with_extra(&[org1], &[&c.org1_peer1])),
        (1, c.tx(&[orgx, org1], Fault::BadEndorsementSignature)),
        (1, c.tx(&[orgz, org2, orgx], Fault::None)),
        (2, c.tx(&[org1, org2], Fault::None)),
        (2, c.tx(&[org1, org2, orgy], Fault::None)),
    ]
}

/// The envelopes of the scenario's blocks: genesis, the M=2 transactions, +OrgX, the M=3
/// transactions, +OrgY, the M=4 transactions.
pub fn blocks() -> Vec<Vec<Bytes>> {
    let c = consortium();
    let mut blocks = vec![vec![c.genesis.clone()]];
    let mut current = Vec::new();
    let mut in_force = 0;
    for (config, tx) in scenario_txs() {
        if config != in_force {
            blocks.push(std::mem::take(&mut current));
            blocks.push(vec![
                [&c.add_orgx, &c.add_orgy][usize::from(in_force)].clone()
            ]);
            in_force = config;
        }
        current.push(tx);
    }
    blocks.push(current);
    blocks
}

/// Writes [`blocks`] with a real hash chain as a `.bin` block stream (varint-prefixed
/// `common.Block`s) at `path`.
pub fn write_block_stream(path: &Path) {
    let mut chain = BlockChain::new();
    let blocks: Vec<_> = blocks().into_iter().map(|b| chain.append(b)).collect();
    std::fs::write(path, block_stream(&blocks)).unwrap();
}

const VALID: u8 = Code::Valid as u8;
const FAIL: u8 = Code::EndorsementPolicyFailure as u8;

/// The codes of [`blocks`], block by block, with cmscc validated by `SignedByMajorityPeerOrgs`
/// under `rule` (`MAJORITY`, `ALL`, `ANY` or `OutOf(3)`), from the cases.
pub fn expected_codes(rule: &str) -> Vec<Vec<u8>> {
    let config = vec![VALID];
    let (m2, m3, m4) = match rule {
        // M=2 needs 2: Org1 | Org1+Org2 | Org1+revoked Org2 | Org1 client+Org2.
        // M=3 needs 2: Org1+OrgX | OrgX | Org2+OrgY (not a member) | Org1 twice (two peers) |
        //   OrgX with a bad signature+Org1 | OrgZ (never a member)+Org2+OrgX.
        // M=4 needs 3: Org1+Org2 | Org1+Org2+OrgY.
        "MAJORITY" => (
            vec![FAIL, VALID, FAIL, FAIL],
            vec![VALID, FAIL, FAIL, FAIL, FAIL, VALID],
            vec![FAIL, VALID],
        ),
        // Every organisation: only Org1+Org2 at M=2; no transaction at M=3 or M=4 has them all.
        "ALL" => (
            vec![FAIL, VALID, FAIL, FAIL],
            vec![FAIL; 6],
            vec![FAIL, FAIL],
        ),
        // One organisation: anything with one valid member endorsement.
        "ANY" => (vec![VALID; 4], vec![VALID; 6], vec![VALID, VALID]),
        // Three organisations: unsatisfiable at M=2, nothing at M=3 has three valid members,
        // Org1+Org2+OrgY at M=4.
        "OutOf(3)" => (vec![FAIL; 4], vec![FAIL; 6], vec![FAIL, VALID]),
        other => panic!("no expectation for rule {other:?}"),
    };
    vec![config.clone(), m2, config.clone(), m3, config, m4]
}
