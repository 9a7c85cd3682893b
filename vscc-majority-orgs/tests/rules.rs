//! The rule variants of the validation parameter, on a channel of four organisations (Org1,
//! Org2, OrgX, OrgY: M=4), and every kind of bad parameter.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use block_validator::ChannelHost;
use fabric_protos::protos::{application_policy, ApplicationPolicy};
use fabric_testgen::policy::{any_of, Role};
use fabric_testgen::tx::Fault;
use handlers_api::validation::{
    ApplicationOrg, BlockView, ChannelOrganizations, Context, OrganizationsError, Plugin,
    SerializedPolicy,
};
use prost::Message;
use support::{config, consortium, invalid, Channel, Consortium, CMSCC};
use vscc_majority_orgs::{SignedByMajorityPeerOrgs, SignedByMajorityPeerOrgsFactory};

/// A channel of the four organisations.
fn four_orgs() -> Channel {
    let c = consortium();
    let channel = Channel::new(&SignedByMajorityPeerOrgsFactory, &c.genesis);
    channel.commit_config(&c.add_orgx);
    channel.commit_config(&c.add_orgy);
    channel
}

/// Transactions endorsed by the first 0, 1, 2, 3 and 4 of Org1, OrgY, Org2, OrgX.
fn endorsed_by_first(n: usize) -> bytes::Bytes {
    let c = consortium();
    let all = [
        Consortium::peer(&c.org1),
        Consortium::peer(&c.orgy),
        Consortium::peer(&c.org2),
        Consortium::peer(&c.orgx),
    ];
    if n == 0 {
        c.tx(&all[..1], Fault::NoEndorsements)
    } else {
        c.tx(&all[..n], Fault::None)
    }
}

#[test]
fn each_rule_needs_its_number_of_organisations() {
    let channel = four_orgs();
    // (parameter, organisations needed out of 4)
    for (parameter, needed) in [
        ("", 3),
        ("MAJORITY", 3),
        (" MAJORITY\n", 3),
        ("ALL", 4),
        ("ANY", 1),
        ("OutOf(1)", 1),
        ("OutOf(2)", 2),
        ("OutOf( 3 )", 3),
        ("OutOf(4)", 4),
    ] {
        for endorsers in 0..=4 {
            let outcome = channel.verdict(&endorsed_by_first(endorsers), parameter);
            if endorsers >= needed {
                assert_eq!(outcome, Ok(()), "{parameter:?} with {endorsers}");
            } else {
                let reason = invalid(outcome);
                assert!(
                    reason.contains(&format!(
                        "valid endorsements from {endorsers} of the {needed} distinct"
                    )),
                    "{parameter:?} with {endorsers}: {reason}"
                );
            }
        }
    }
}

#[test]
fn out_of_more_than_m_is_unsatisfiable_and_says_so() {
    let channel = four_orgs();
    let reason = invalid(channel.verdict(&endorsed_by_first(4), "OutOf(5)"));
    assert_eq!(
        reason,
        "chaincode cmscc, rule OutOf(5): rule OutOf(5) needs 5 distinct application \
         organisations but the channel has only 4: no set of endorsements can satisfy it"
    );
    // The same definition becomes satisfiable when the channel grows: here it shrinks instead.
    let c = consortium();
    channel.commit_config(&c.remove_org2);
    let reason = invalid(channel.verdict(&endorsed_by_first(4), "OutOf(4)"));
    assert!(
        reason.contains("needs 4 distinct application organisations but the channel has only 3"),
        "{reason}"
    );
    channel.verdict(&endorsed_by_first(4), "OutOf(3)").unwrap();
}

#[test]
fn bad_parameters_make_the_transaction_invalid_and_name_the_parameter() {
    let channel = four_orgs();
    let tx = endorsed_by_first(4);
    for (parameter, expected) in [
        ("majority", "validation parameter \"majority\" is not a rule: expected MAJORITY, ALL, ANY or OutOf(n)"),
        ("OutOf 2", "validation parameter \"OutOf 2\" is not a rule"),
        ("AND('Org1MSP.peer')", "validation parameter \"AND('Org1MSP.peer')\" is not a rule"),
        ("OutOf(0)", "validation parameter \"OutOf(0)\": the count \"0\" of OutOf is not a whole number from 1 to 4294967295"),
        ("OutOf(-2)", "the count \"-2\" of OutOf"),
        ("OutOf(99999999999)", "the count \"99999999999\" of OutOf"),
        ("OutOf(x)", "the count \"x\" of OutOf"),
    ] {
        let reason = invalid(channel.verdict(&tx, parameter));
        assert!(reason.starts_with("chaincode cmscc: "), "{reason}");
        assert!(reason.contains(expected), "{parameter:?}: {reason}");
    }
    let reason = invalid(channel.verdict_in(std::slice::from_ref(&tx), 0, b"ALL\xff"));
    assert!(
        reason.contains("validation parameter is not UTF-8 text (4 bytes, invalid at byte 3)"),
        "{reason}"
    );
    // DefaultValidation's kind of parameter: a serialized ApplicationPolicy.
    let policy = ApplicationPolicy {
        r#type: Some(application_policy::Type::SignaturePolicy(any_of(&[
            ("Org1MSP", Role::Peer),
            ("Org2MSP", Role::Peer),
        ]))),
    }
    .encode_to_vec();
    let reason = invalid(channel.verdict_in(std::slice::from_ref(&tx), 0, &policy));
    assert!(
        reason.contains("is not a rule") || reason.contains("is not UTF-8 text"),
        "{reason}"
    );
}

/// The channel organisations a host could report: a fixed list.
struct FixedOrgs(Vec<ApplicationOrg>);

impl ChannelOrganizations for FixedOrgs {
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError> {
        Ok(self.0.clone())
    }
}

#[test]
fn a_channel_without_application_organisations_is_invalid() {
    let c = consortium();
    let host = ChannelHost::new(support::CHANNEL, Some(config(&c.genesis)), Arc::default());
    let mut plugin = SignedByMajorityPeerOrgs::default();
    plugin
        .init(
            host.dependencies()
                .with_channel_organizations(Arc::new(FixedOrgs(Vec::new()))),
        )
        .unwrap();
    let tx = endorsed_by_first(2);
    let refs: [&[u8]; 1] = [&tx];
    for parameter in ["", "ANY", "OutOf(1)"] {
        let reason = invalid(plugin.validate(
            &BlockView::new(1, &refs),
            CMSCC,
            0,
            0,
            &Context::new(SerializedPolicy(parameter.as_bytes())),
        ));
        assert!(
            reason.ends_with(": channel has no application organisations"),
            "{parameter:?}: {reason}"
        );
    }
}
