//! The peer CLI policy language: exact envelopes for known strings (Fabric's
//! policyparser_test.go cases), error offsets, printing and round trips.

use fabric_policies::lang::MAX_NESTING;
use fabric_policies::policydsl::{and, n_out_of, or, role_principal, signed_by};
use fabric_policies::{describe_policy, parse_policy, print_policy, LangError};
use fabric_protos::common::msp_role::MspRoleType::{self, Admin, Client, Member, Orderer, Peer};
use fabric_protos::common::{signature_policy, MspRole, SignaturePolicy, SignaturePolicyEnvelope};
use proptest::prelude::*;
use prost::Message;

fn expected(rule: SignaturePolicy, principals: &[(&str, MspRoleType)]) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: principals
            .iter()
            .map(|(msp, role)| role_principal(msp, *role))
            .collect(),
    }
}

fn assert_parses_to(text: &str, want: &SignaturePolicyEnvelope) {
    let got = parse_policy(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&got, want, "{text}");
    assert_eq!(got.encode_to_vec(), want.encode_to_vec(), "{text}");
}

#[test]
fn and_of_two_members_exact_bytes() {
    let got = parse_policy("AND('A.member', 'B.member')")
        .unwrap()
        .encode_to_vec();
    let hex: String = got.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "120c120a08021202080012020801".to_owned() + "1a0512030a01411a0512030a0142"
    );
}

#[test]
fn known_strings_give_fabric_envelopes() {
    let ab = [("A", Member), ("B", Member)];
    assert_parses_to(
        "OutOf(1, 'A.member', 'B.member')",
        &expected(n_out_of(1, vec![signed_by(0), signed_by(1)]), &ab),
    );
    assert_parses_to(
        "OutOf(2, 'A.member', 'B.member')",
        &expected(n_out_of(2, vec![signed_by(0), signed_by(1)]), &ab),
    );
    assert_parses_to(
        "AND('A.member', 'B.member')",
        &expected(and(signed_by(0), signed_by(1)), &ab),
    );
    assert_parses_to(
        "OR('A.member', 'B.member')",
        &expected(or(signed_by(0), signed_by(1)), &ab),
    );
    assert_parses_to(
        "AND('A.client', 'B.peer')",
        &expected(
            and(signed_by(0), signed_by(1)),
            &[("A", Client), ("B", Peer)],
        ),
    );
    assert_parses_to(
        "OR('A.peer', 'B.admin', 'C.orderer', 'D.client')",
        &expected(
            n_out_of(
                1,
                vec![signed_by(0), signed_by(1), signed_by(2), signed_by(3)],
            ),
            &[("A", Peer), ("B", Admin), ("C", Orderer), ("D", Client)],
        ),
    );
    assert_parses_to(
        "OR('MSP.member', 'MSP.WITH.DOTS.member', 'MSP-WITH-DASHES.member')",
        &expected(
            n_out_of(1, vec![signed_by(0), signed_by(1), signed_by(2)]),
            &[
                ("MSP", Member),
                ("MSP.WITH.DOTS", Member),
                ("MSP-WITH-DASHES", Member),
            ],
        ),
    );
    assert_parses_to(
        "OutOf('1', 'A.member', 'B.member')",
        &expected(n_out_of(1, vec![signed_by(0), signed_by(1)]), &ab),
    );
}

#[test]
fn nested_gates_are_numbered_before_the_gates_own_principals() {
    // Fabric's TestComplex1: identities B, C, A.
    assert_parses_to(
        "OR('A.member', AND('B.member', 'C.member'))",
        &expected(
            or(signed_by(2), and(signed_by(0), signed_by(1))),
            &[("B", Member), ("C", Member), ("A", Member)],
        ),
    );
    // Fabric's TestComplex2.
    assert_parses_to(
        "OR(AND('A.member', 'B.member'), OR('C.admin', 'D.member'))",
        &expected(
            or(
                and(signed_by(0), signed_by(1)),
                or(signed_by(2), signed_by(3)),
            ),
            &[("A", Member), ("B", Member), ("C", Admin), ("D", Member)],
        ),
    );
    // Deeper: inner-most first, left to right; the outer principal last.
    assert_parses_to(
        "AND('X.peer', OR('A.member', AND('B.member', 'C.member')), 'Y.peer', OR('D.member'))",
        &expected(
            n_out_of(
                4,
                vec![
                    signed_by(4),
                    or(signed_by(2), and(signed_by(0), signed_by(1))),
                    signed_by(5),
                    n_out_of(1, vec![signed_by(3)]),
                ],
            ),
            &[
                ("B", Member),
                ("C", Member),
                ("A", Member),
                ("D", Member),
                ("X", Peer),
                ("Y", Peer),
            ],
        ),
    );
}

#[test]
fn principals_are_not_deduplicated() {
    assert_parses_to(
        "OR('A.member', 'A.member')",
        &expected(
            or(signed_by(0), signed_by(1)),
            &[("A", Member), ("A", Member)],
        ),
    );
}

#[test]
fn threshold_bounds_follow_fabric() {
    let ab = [("A", Member), ("B", Member)];
    assert_parses_to(
        "OutOf(0, 'A.member', 'B.member')",
        &expected(n_out_of(0, vec![signed_by(0), signed_by(1)]), &ab),
    );
    // n + 1 is allowed: a never-satisfiable policy.
    assert_parses_to(
        "OutOf(3, 'A.member', 'B.member')",
        &expected(n_out_of(3, vec![signed_by(0), signed_by(1)]), &ab),
    );
    // Fractions are truncated as Fabric does.
    assert_parses_to(
        "OutOf(1.9, 'A.member', 'B.member')",
        &expected(n_out_of(1, vec![signed_by(0), signed_by(1)]), &ab),
    );
    assert_eq!(
        parse_policy("OutOf(4, 'A.member', 'B.member')").unwrap_err(),
        LangError::InvalidThreshold {
            t: 4,
            n: 2,
            offset: 6
        }
    );
    assert_eq!(
        parse_policy("OutOf(-1, 'A.member', 'B.member')")
            .unwrap_err()
            .to_string(),
        "invalid t-out-of-n predicate, t -1, n 2 at offset 6"
    );
}

#[test]
fn gate_spellings_and_quotes() {
    let want = parse_policy("AND('A.member', OR('B.peer'), OutOf(1, 'C.admin'))").unwrap();
    for text in [
        "and('A.member', or('B.peer'), outof(1, 'C.admin'))",
        "And(\"A.member\", Or(\"B.peer\"), OutOf(1, \"C.admin\"))",
        "  AND ( 'A.member' ,\n\tOR('B.peer'),OUTOF( 1 ,'C.admin' ) )  ",
    ] {
        assert_eq!(parse_policy(text).unwrap(), want, "{text}");
    }
    assert_eq!(
        parse_policy("aNd('A.member')").unwrap_err(),
        LangError::UnknownGate {
            name: "aNd".into(),
            offset: 0
        }
    );
    assert!(matches!(
        parse_policy("NOT('A.member')"),
        Err(LangError::UnknownGate { offset: 0, .. })
    ));
}

fn offset(text: &str) -> usize {
    match parse_policy(text) {
        Ok(envelope) => panic!("{text} parsed: {envelope:?}"),
        Err(err) => err
            .offset()
            .unwrap_or_else(|| panic!("no offset in {err:?}")),
    }
}

#[test]
fn errors_point_at_the_offending_character() {
    assert_eq!(
        parse_policy("AND('A.member' 'B.member')")
            .unwrap_err()
            .to_string(),
        "expected ',' or ')' at offset 15, found '''"
    );
    assert_eq!(
        parse_policy("AND('A.member', 'B.member'")
            .unwrap_err()
            .to_string(),
        "expected ',' or ')' at offset 26, found end of input"
    );
    let cases: &[(&str, usize)] = &[
        ("", 0),
        ("   ", 3),
        ("'A.member'", 0),
        ("OR('A.member', Bmember)", 15),
        ("OR('A.member', 'Bmember')", 16),
        ("OR('A.member', 'B.Member')", 18),
        ("OR('A_1.member')", 5),
        ("OR('.member')", 4),
        ("OR('A.member)", 3),
        ("OR('A.member', 'B.member\")", 15),
        ("OR('A.member') x", 15),
        ("OR('A.member',)", 14),
        ("OR()", 3),
        ("OR 'A.member'", 3),
        ("OutOf(1)", 7),
        ("OutOf(x, 'A.member')", 6),
        ("OutOf(1.x, 'A.member')", 6),
        ("OutOf('a', 'A.member')", 7),
        ("OutOf(5, 'A.member', AND('B.peer', 'C.peer'))", 6),
        ("OR('A.member', 3)", 15),
        ("OR('A.member', OR('B.member', 'C.member',))", 41),
        // Offsets count characters: U+3000 is whitespace of three bytes.
        ("OR(\u{3000}'A.member' x)", 15),
        ("OR('Ä.member')", 4),
    ];
    for (text, want) in cases {
        assert_eq!(
            offset(text),
            *want,
            "{text}: {}",
            parse_policy(text).unwrap_err()
        );
    }
}

#[test]
fn nesting_is_limited_and_the_limit_still_decodes() {
    let nested = |depth: usize| format!("{}'A.member'{}", "OR(".repeat(depth), ")".repeat(depth));
    let deepest = parse_policy(&nested(MAX_NESTING)).unwrap();
    let bytes = deepest.encode_to_vec();
    assert_eq!(
        SignaturePolicyEnvelope::decode(bytes.as_slice()).unwrap(),
        deepest
    );
    let wrapped = fabric_protos::common::ApplicationPolicy {
        r#type: Some(
            fabric_protos::common::application_policy::Type::SignaturePolicy(deepest.clone()),
        ),
    };
    assert!(
        fabric_protos::common::ApplicationPolicy::decode(wrapped.encode_to_vec().as_slice())
            .is_ok()
    );
    assert_eq!(
        parse_policy(&nested(MAX_NESTING + 1)).unwrap_err(),
        LangError::TooDeep {
            limit: MAX_NESTING,
            offset: 3 * MAX_NESTING
        }
    );
}

#[test]
fn printer_output() {
    let envelope = parse_policy("OR('A.member', AND('B.member', 'C.member'))").unwrap();
    assert_eq!(
        print_policy(&envelope).unwrap(),
        "OR('A.member', AND('B.member', 'C.member'))"
    );
    let envelope = parse_policy("outof(2, 'A.peer', 'B.admin', 'C.client')").unwrap();
    assert_eq!(
        print_policy(&envelope).unwrap(),
        "OutOf(2, 'A.peer', 'B.admin', 'C.client')"
    );
    let envelope = parse_policy("AND('A.orderer')").unwrap();
    assert_eq!(print_policy(&envelope).unwrap(), "OR('A.orderer')");
    // Builders print too, and an envelope in another numbering prints equivalently.
    let any = fabric_policies::policydsl::signed_by_any_member(&["Org2MSP", "Org1MSP"]);
    assert_eq!(
        print_policy(&any).unwrap(),
        "OR('Org1MSP.member', 'Org2MSP.member')"
    );
    let reordered = expected(
        or(signed_by(1), signed_by(0)),
        &[("A", Member), ("B", Peer)],
    );
    assert_eq!(
        print_policy(&reordered).unwrap(),
        "OR('B.peer', 'A.member')"
    );
}

#[test]
fn printer_refuses_what_the_language_cannot_say() {
    let cases = [
        fabric_policies::policydsl::accept_all_policy(),
        fabric_policies::policydsl::reject_all_policy(),
        expected(signed_by(0), &[("A", Member)]),
        expected(or(signed_by(0), signed_by(1)), &[("A", Member)]),
        expected(n_out_of(-1, vec![signed_by(0)]), &[("A", Member)]),
        expected(n_out_of(3, vec![signed_by(0)]), &[("A", Member)]),
        expected(
            or(signed_by(0), SignaturePolicy { r#type: None }),
            &[("A", Member)],
        ),
        expected(n_out_of(1, vec![signed_by(0)]), &[("Org_1", Member)]),
        fabric_policies::policydsl::envelope(
            n_out_of(1, vec![signed_by(0)]),
            &[bytes::Bytes::from_static(b"id")],
        ),
        SignaturePolicyEnvelope {
            version: 1,
            ..expected(n_out_of(1, vec![signed_by(0)]), &[("A", Member)])
        },
        SignaturePolicyEnvelope::default(),
    ];
    for envelope in cases {
        assert!(
            matches!(print_policy(&envelope), Err(LangError::NotPrintable(_))),
            "{envelope:?}"
        );
        // The lenient form always produces something.
        assert!(!describe_policy(&envelope).is_empty());
    }
    assert_eq!(
        describe_policy(&fabric_policies::policydsl::accept_all_policy()),
        "OutOf(0)"
    );
    assert_eq!(
        describe_policy(&fabric_policies::policydsl::envelope(
            n_out_of(1, vec![signed_by(0)]),
            &[bytes::Bytes::from_static(b"id")]
        )),
        "OR(<IDENTITY principal #0>)"
    );
}

/// A randomly generated policy, rendered to text and checked against the parse.
#[derive(Debug, Clone)]
enum Tree {
    Principal {
        msp: String,
        role: usize,
    },
    Gate {
        kind: u8,
        spelling: u8,
        t_pick: u8,
        args: Vec<Tree>,
    },
}

const ROLES: [(&str, MspRoleType); 5] = [
    ("member", Member),
    ("admin", Admin),
    ("client", Client),
    ("peer", Peer),
    ("orderer", Orderer),
];

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = ("[A-Za-z0-9][A-Za-z0-9.-]{0,8}", 0..5usize)
        .prop_map(|(msp, role)| Tree::Principal { msp, role });
    leaf.prop_recursive(4, 40, 5, |inner| {
        (
            0..3u8,
            0..3u8,
            any::<u8>(),
            prop::collection::vec(inner, 1..5),
        )
            .prop_map(|(kind, spelling, t_pick, args)| Tree::Gate {
                kind,
                spelling,
                t_pick,
                args,
            })
    })
}

fn top_gate() -> impl Strategy<Value = Tree> {
    (
        0..3u8,
        0..3u8,
        any::<u8>(),
        prop::collection::vec(tree(), 1..5),
    )
        .prop_map(|(kind, spelling, t_pick, args)| Tree::Gate {
            kind,
            spelling,
            t_pick,
            args,
        })
}

impl Tree {
    fn threshold(kind: u8, t_pick: u8, count: usize) -> i32 {
        match kind {
            0 => count as i32,
            1 => 1,
            _ => (t_pick as usize % (count + 2)) as i32,
        }
    }

    fn render(&self, out: &mut String, quote: char) {
        match self {
            Tree::Principal { msp, role } => {
                out.push(quote);
                out.push_str(msp);
                out.push('.');
                out.push_str(ROLES[*role].0);
                out.push(quote);
            }
            Tree::Gate {
                kind,
                spelling,
                t_pick,
                args,
            } => {
                let names = [
                    ["AND", "and", "And"],
                    ["OR", "or", "Or"],
                    ["OutOf", "outof", "OUTOF"],
                ];
                out.push_str(names[*kind as usize][*spelling as usize]);
                out.push('(');
                if *kind == 2 {
                    out.push_str(&Self::threshold(*kind, *t_pick, args.len()).to_string());
                    out.push_str(", ");
                }
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if i % 2 == 0 { ", " } else { "," });
                    }
                    arg.render(out, if i % 2 == 0 { '\'' } else { '"' });
                }
                out.push(')');
            }
        }
    }

    /// Checks the parsed rule against the tree; collects the principal indices used.
    fn check(
        &self,
        rule: &SignaturePolicy,
        envelope: &SignaturePolicyEnvelope,
        used: &mut Vec<i32>,
    ) {
        match (self, &rule.r#type) {
            (Tree::Principal { msp, role }, Some(signature_policy::Type::SignedBy(index))) => {
                let principal = &envelope.identities[*index as usize];
                let decoded =
                    MspRole::decode(principal.principal.as_ref()).expect("role principal");
                assert_eq!(&decoded.msp_identifier, msp);
                assert_eq!(decoded.role, ROLES[*role].1 as i32);
                used.push(*index);
            }
            (
                Tree::Gate {
                    kind, t_pick, args, ..
                },
                Some(signature_policy::Type::NOutOf(gate)),
            ) => {
                assert_eq!(gate.n, Self::threshold(*kind, *t_pick, args.len()));
                assert_eq!(gate.rules.len(), args.len());
                for (arg, sub) in args.iter().zip(&gate.rules) {
                    arg.check(sub, envelope, used);
                }
            }
            (tree, rule) => panic!("shape mismatch: {tree:?} vs {rule:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parse_print_parse_round_trips(tree in top_gate()) {
        let mut text = String::new();
        tree.render(&mut text, '\'');
        let parsed = parse_policy(&text).unwrap();

        // The envelope says what the text says, each principal used exactly once.
        let mut used = Vec::new();
        tree.check(parsed.rule.as_ref().unwrap(), &parsed, &mut used);
        used.sort_unstable();
        prop_assert_eq!(used, (0..parsed.identities.len() as i32).collect::<Vec<_>>());

        // parse -> print -> parse gives identical bytes.
        let printed = print_policy(&parsed).unwrap();
        let reparsed = parse_policy(&printed).unwrap();
        prop_assert_eq!(reparsed.encode_to_vec(), parsed.encode_to_vec());
        prop_assert_eq!(print_policy(&reparsed).unwrap(), printed);
        prop_assert_eq!(SignaturePolicyEnvelope::decode(parsed.encode_to_vec().as_slice()).unwrap(), parsed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
        let _ = parse_policy(&text);
    }

    #[test]
    fn policy_like_text_never_panics(text in "[ANDORutfa'\".,()0-9 \\-]{0,40}") {
        if let Ok(envelope) = parse_policy(&text) {
            let printed = print_policy(&envelope).unwrap();
            prop_assert_eq!(parse_policy(&printed).unwrap(), envelope);
        }
    }
}
