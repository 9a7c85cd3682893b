//! The UTXO rules of one transaction action, in order: parameter, transaction shape,
//! chaincode endorsement policy, the state-free rules of [`crate::operation`], then the
//! issuer policy (issuance) and the rules over committed state.

use std::sync::Arc;

use handlers_api::validation::{PolicyError, PolicyEvaluator, SignedData, StateFetcher};
use prost::Message;
use vscc_default::signature_set::SignatureSet;

use crate::artifacts::{extract, TxArtifacts};
use crate::error::{Rule, UtxoError};
use crate::model::Output;
use crate::operation::{self, NewOutput, Operation};
use crate::parameter::ValidationParameter;

/// The UTXO validator over the host's policy evaluator and committed state.
#[derive(Clone)]
pub struct UtxoValidator {
    policy_evaluator: Arc<dyn PolicyEvaluator>,
    state_fetcher: Arc<dyn StateFetcher>,
}

impl std::fmt::Debug for UtxoValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UtxoValidator").finish_non_exhaustive()
    }
}

/// Sums amounts with checked arithmetic; `None` on overflow.
fn checked_total<'a>(amounts: impl IntoIterator<Item = &'a Output>) -> Option<u64> {
    amounts
        .into_iter()
        .try_fold(0u64, |acc, o| acc.checked_add(o.amount))
}

impl UtxoValidator {
    /// A validator evaluating policies with `policy_evaluator` and reading committed state
    /// through `state_fetcher`.
    pub fn new(
        policy_evaluator: Arc<dyn PolicyEvaluator>,
        state_fetcher: Arc<dyn StateFetcher>,
    ) -> Self {
        UtxoValidator {
            policy_evaluator,
            state_fetcher,
        }
    }

    /// Validates action `action_position` of the transaction whose envelope bytes are
    /// `envelope` (`tx_label` = `block:position`, for messages) for `namespace`, whose
    /// validation parameter is `parameter`.
    ///
    /// # Errors
    ///
    /// [`UtxoError::Invalid`] naming the first rule broken; [`UtxoError::Execution`] when the
    /// state or the policy evaluator fails.
    pub fn validate(
        &self,
        envelope: &[u8],
        tx_label: &str,
        namespace: &str,
        action_position: usize,
        parameter: &[u8],
    ) -> Result<(), UtxoError> {
        let parameter = ValidationParameter::parse(parameter).map_err(|e| {
            UtxoError::invalid(Rule::Parameter, format!("namespace {namespace}: {e}"))
        })?;
        let art = extract(envelope, tx_label, action_position, namespace)?;
        let at = format!("{tx_label} ({})", art.txid);
        self.check_endorsements(&art, &parameter, namespace, &at)?;
        let op = operation::parse(art.kv.as_ref(), art.has_private_data, &art.txid, &at)?;
        let outputs_total =
            checked_total(op.outputs().iter().map(|o| &o.output)).ok_or_else(|| {
                UtxoError::invalid(
                    Rule::Overflow,
                    format!("tx {at}: the output amounts overflow 64 bits"),
                )
            })?;
        if matches!(op, Operation::Issuance { .. }) {
            self.check_issuer(&art, &parameter, &at)?;
        }
        let committed = self.read_committed(namespace, &op, &at)?;
        let (input_values, output_values) = committed.split_at(op.inputs().len());
        for (out, value) in op.outputs().iter().zip(output_values) {
            if value.is_some() {
                return Err(UtxoError::invalid(
                    Rule::OutputExists,
                    format!("tx {at} creates output {}, which already exists", out.key),
                ));
            }
        }
        let inputs = decode_inputs(op.inputs(), input_values, &art, &at)?;
        check_one_asset_type(&inputs, op.outputs(), &at)?;
        if let Operation::Transfer { .. } = op {
            let inputs_total = checked_total(inputs.iter().map(|(_, o)| o)).ok_or_else(|| {
                UtxoError::invalid(
                    Rule::Overflow,
                    format!("tx {at}: the input amounts overflow 64 bits"),
                )
            })?;
            if inputs_total != outputs_total {
                return Err(UtxoError::invalid(
                    Rule::Balance,
                    format!(
                        "tx {at} spends {inputs_total} (inputs {}) but creates {outputs_total}",
                        op.inputs().join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The chaincode endorsement policy over `prp ‖ endorser` per endorsement, as
    /// `DefaultValidation` evaluates its chaincode policy.
    fn check_endorsements(
        &self,
        art: &TxArtifacts,
        parameter: &ValidationParameter,
        namespace: &str,
        at: &str,
    ) -> Result<(), UtxoError> {
        let set = SignatureSet::new(&art.prp, &art.endorsements);
        match self
            .policy_evaluator
            .evaluate(parameter.endorsement_policy(), &set.signed_data())
        {
            Ok(()) => Ok(()),
            Err(PolicyError::NotSatisfied(m)) => Err(UtxoError::invalid(
                Rule::EndorsementPolicy,
                format!("validation of endorsement policy for chaincode {namespace} in tx {at} failed: {m}"),
            )),
            Err(e) => Err(UtxoError::Execution(format!(
                "tx {at}: evaluating the endorsement policy of chaincode {namespace}: {e}"
            ))),
        }
    }

    /// The issuer policy over the creator's signed data: the envelope payload, the creator
    /// and the envelope signature (the committer verified that signature already).
    fn check_issuer(
        &self,
        art: &TxArtifacts,
        parameter: &ValidationParameter,
        at: &str,
    ) -> Result<(), UtxoError> {
        let signed = [SignedData {
            data: &art.payload,
            identity: &art.creator,
            signature: &art.signature,
        }];
        match self
            .policy_evaluator
            .evaluate(parameter.issuer_policy(), &signed)
        {
            Ok(()) => Ok(()),
            Err(PolicyError::NotSatisfied(m)) => Err(UtxoError::invalid(
                Rule::IssuerPolicy,
                format!("tx {at} issues outputs but its creator does not satisfy the issuer policy: {m}"),
            )),
            Err(e) => Err(UtxoError::Execution(format!(
                "tx {at}: evaluating the issuer policy: {e}"
            ))),
        }
    }

    /// The committed values of the inputs then the outputs, in one query.
    fn read_committed(
        &self,
        namespace: &str,
        op: &Operation,
        at: &str,
    ) -> Result<Vec<Option<Vec<u8>>>, UtxoError> {
        let keys: Vec<&str> = op
            .inputs()
            .iter()
            .map(String::as_str)
            .chain(op.outputs().iter().map(|o| o.key.as_str()))
            .collect();
        let state = self.state_fetcher.fetch_state().map_err(|e| {
            UtxoError::Execution(format!("tx {at}: could not open committed state: {e}"))
        })?;
        let values = state.get_state_multiple_keys(namespace, &keys);
        state.done();
        let values = values.map_err(|e| {
            UtxoError::Execution(format!(
                "tx {at}: reading {} UTXO keys of namespace {namespace} failed: {e}",
                keys.len()
            ))
        })?;
        if values.len() != keys.len() {
            return Err(UtxoError::Execution(format!(
                "tx {at}: the state answered {} values for {} keys of namespace {namespace}",
                values.len(),
                keys.len()
            )));
        }
        Ok(values)
    }
}

/// Each input's committed output, after checking it exists, decodes and is owned by the
/// creator.
fn decode_inputs<'k>(
    keys: &'k [String],
    values: &[Option<Vec<u8>>],
    art: &TxArtifacts,
    at: &str,
) -> Result<Vec<(&'k str, Output)>, UtxoError> {
    keys.iter()
        .zip(values)
        .map(|(key, value)| {
            let value = value.as_deref().ok_or_else(|| {
                UtxoError::invalid(
                    Rule::InputExists,
                    format!("tx {at} spends input {key}, which is not in committed state (already spent or never created)"),
                )
            })?;
            let output = Output::decode(value).map_err(|e| {
                UtxoError::invalid(
                    Rule::InputValue,
                    format!("tx {at} spends input {key}, whose committed value is not an Output: {e}"),
                )
            })?;
            if output.owner != art.creator.as_ref() {
                return Err(UtxoError::invalid(
                    Rule::InputOwner,
                    format!("tx {at} spends input {key}, which its creator does not own"),
                ));
            }
            Ok((key.as_str(), output))
        })
        .collect()
}

/// One asset type over all inputs and outputs.
fn check_one_asset_type(
    inputs: &[(&str, Output)],
    outputs: &[NewOutput],
    at: &str,
) -> Result<(), UtxoError> {
    let mut all = inputs
        .iter()
        .map(|(key, o)| (*key, "input", o.asset_type.as_str()))
        .chain(
            outputs
                .iter()
                .map(|o| (o.key.as_str(), "output", o.output.asset_type.as_str())),
        );
    let Some((first_key, first_kind, asset)) = all.next() else {
        return Ok(());
    };
    match all.find(|(_, _, a)| *a != asset) {
        None => Ok(()),
        Some((key, kind, other)) => Err(UtxoError::invalid(
            Rule::AssetType,
            format!(
                "tx {at} mixes asset types {asset:?} ({first_kind} {first_key}) and {other:?} ({kind} {key})"
            ),
        )),
    }
}
