//! TxValidationCode values checked against the table in spec section 5.7 (read from the spec file,
//! so a wrong or missing code in our .proto shows up as a failure).

use fabric_protos::protos::TxValidationCode;

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/spec/fabric-handlers-spec.md"
);

/// `(code, NAME)` rows of the table under the "### 5.7" heading.
fn spec_codes() -> Vec<(i32, String)> {
    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let section = text
        .split("\n### ")
        .find(|s| s.starts_with("5.7 "))
        .unwrap_or_else(|| panic!("{SPEC} has no section 5.7"));
    section
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).filter(|c| !c.is_empty());
            let code = cells.next()?.parse::<i32>().ok()?;
            Some((code, cells.next()?.to_owned()))
        })
        .collect()
}

#[test]
fn every_spec_code_has_the_spec_value_and_name() {
    let codes = spec_codes();
    assert_eq!(
        codes.len(),
        28,
        "section 5.7 of {SPEC} should list 28 codes"
    );
    for (value, name) in &codes {
        let by_name = TxValidationCode::from_str_name(name)
            .unwrap_or_else(|| panic!("TxValidationCode has no variant named {name}"));
        assert_eq!(by_name as i32, *value, "{name} has the wrong number");
        let by_value = TxValidationCode::try_from(*value)
            .unwrap_or_else(|_| panic!("{value} is not a TxValidationCode"));
        assert_eq!(
            by_value.as_str_name(),
            name,
            "value {value} has the wrong name"
        );
    }
}

#[test]
fn no_codes_beyond_the_spec_table() {
    let codes = spec_codes();
    for value in 0..=255 {
        let in_spec = codes.iter().any(|(v, _)| *v == value);
        assert_eq!(
            TxValidationCode::try_from(value).is_ok(),
            in_spec,
            "value {value}: enum and spec disagree"
        );
    }
    // Every code fits in the one byte per transaction stored in TRANSACTIONS_FILTER.
    assert!(codes.iter().all(|(v, _)| u8::try_from(*v).is_ok()));
}
