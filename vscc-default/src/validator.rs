//! Fabric's v20 validation logic (spec 4.2-4.4) over the deterministic dependency manager.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use handlers_api::validation::{
    BlockView, CollectionInfoError, CollectionResources, PolicyError, PolicyEvaluator, StateError,
    StateFetcher,
};

use crate::artifacts::{ArtifactError, DecodedAction};
use crate::dependencies::{current, metadata_keys, DependencyManager, Slot};
use crate::error::V20Error;
use crate::rwset::NamespaceWrites;
use crate::signature_set::SignatureSet;
use crate::translate::translate_vp;

/// The metadata entry holding a key-level endorsement policy.
pub const VALIDATION_PARAMETER: &str = "VALIDATION_PARAMETER";

/// What the v20 validator needs from the host.
#[derive(Clone)]
pub struct V20Dependencies {
    /// Evaluates `ApplicationPolicy` bytes.
    pub policy_evaluator: Arc<dyn PolicyEvaluator>,
    /// Opens committed state (key-level parameters, collection definitions).
    pub state_fetcher: Arc<dyn StateFetcher>,
    /// Collection-level endorsement policies.
    pub collection_resources: Arc<dyn CollectionResources>,
}

impl std::fmt::Debug for V20Dependencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V20Dependencies").finish_non_exhaustive()
    }
}

/// Fabric's v20 `Validator` with its key-level validator and dependency manager. One per
/// plugin instance; `validate` may be called concurrently for transactions of one block.
#[derive(Debug)]
pub struct V20Validator {
    deps: V20Dependencies,
    manager: DependencyManager,
}

/// One `validate` call: the block, namespace and chaincode policy shared by the transactions
/// it resolves, and the target transaction's action decoded once for the whole call.
struct Call<'c, 'b> {
    block: &'c BlockView<'b>,
    namespace: &'c str,
    target: usize,
    action_position: usize,
    cc_policy: &'c [u8],
    /// `None` only when the block has no envelope at `target`.
    target_action: Option<&'c Result<DecodedAction, ArtifactError>>,
}

/// Why no key-level parameter was obtained for a key.
enum VpError {
    /// An earlier valid transaction of the block changed the parameter (policy error).
    Updated(String),
    /// Any other failure (execution failure).
    Execution(String),
}

fn key_text(coll: &str, key: &[u8]) -> String {
    if coll.is_empty() {
        String::from_utf8_lossy(key).into_owned()
    } else {
        hex(key)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `cc:key` for public keys, `cc:coll:<hex key>` for private ones (Fabric's texts).
fn vp_location(cc: &str, coll: &str, key: &[u8]) -> String {
    if coll.is_empty() {
        format!("{cc}:{}", String::from_utf8_lossy(key))
    } else {
        format!("{cc}:{coll}:{}", hex(key))
    }
}

impl V20Validator {
    /// A validator over `deps`.
    pub fn new(deps: V20Dependencies) -> Self {
        V20Validator {
            deps,
            manager: DependencyManager::default(),
        }
    }

    /// Validates action `action_position` of transaction `tx_position` of `block` for
    /// `namespace` against the chaincode endorsement policy `cc_policy` (a serialized
    /// `ApplicationPolicy`). The caller checked that `tx_position` is within the block.
    ///
    /// # Errors
    ///
    /// [`V20Error::Policy`] when the transaction is invalid, [`V20Error::Execution`] when its
    /// validity could not be determined (spec 4.6).
    pub fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        cc_policy: &[u8],
    ) -> Result<(), V20Error> {
        let target_action = block
            .envelope(tx_position)
            .map(|env| DecodedAction::decode(env, tx_position, action_position));
        // The dependency extraction reads the first action without checking the header type:
        // when the strict decoding of that same action succeeded, both read the same
        // read-write set, so its metadata keys are known already.
        let known = match (&target_action, action_position) {
            (Some(Ok(action)), 0) => Some(
                action
                    .writes
                    .as_deref()
                    .map(metadata_keys)
                    .unwrap_or_default(),
            ),
            _ => None,
        };
        self.manager.pre_validate(block, tx_position, known)?;
        let call = Call {
            block,
            namespace,
            target: tx_position,
            action_position,
            cc_policy,
            target_action: target_action.as_ref(),
        };
        self.resolve(&call, tx_position)
    }

    /// The result of transaction `tx` for the call's namespace: the stored one, or computed
    /// now (after the results of its dependencies, lowest first, with an explicit stack so
    /// that long chains do not recurse). Waits only for transactions being computed by another
    /// thread; every wait is for a lower position than anything the waiter holds, so there is
    /// no cycle.
    fn resolve(&self, call: &Call<'_, '_>, tx: usize) -> Result<(), V20Error> {
        let number = call.block.number();
        let mut stack = vec![tx];
        while let Some(&top) = stack.last() {
            // Known or in progress?
            let mut guard = self.manager.lock()?;
            let known = loop {
                let memo = current(&mut guard, number)?;
                match memo.slot(top, call.namespace, call.cc_policy) {
                    Some(Slot::Done(res)) => break Some(res.clone()),
                    Some(Slot::InProgress) => guard = self.manager.wait(guard)?,
                    None => break None,
                }
            };
            drop(guard);
            if let Some(res) = known {
                stack.pop();
                if stack.is_empty() {
                    return res;
                }
                continue;
            }
            let missing = self.unresolved_dependencies(call, top)?;
            if !missing.is_empty() {
                // Highest first onto the stack, so the lowest is computed first.
                stack.extend(missing.into_iter().rev());
                continue;
            }
            if !self
                .manager
                .claim(number, top, call.namespace, call.cc_policy)?
            {
                continue;
            }
            let res = self.compute(call, top);
            self.manager
                .publish(number, top, call.namespace, call.cc_policy, &res)?;
            if let Err(V20Error::Execution(_)) = res {
                // Not stored: report it to whoever asked.
                return res;
            }
        }
        // Invariant: the loop returns when it pops `tx`, the bottom of the stack.
        Err(V20Error::Execution(format!(
            "key-level resolution of tx {tx} ended without a result"
        )))
    }

    /// The transactions before `tx` that write the metadata of a key `tx` writes in the
    /// call's namespace and whose result is not known yet, ascending.
    fn unresolved_dependencies(
        &self,
        call: &Call<'_, '_>,
        tx: usize,
    ) -> Result<Vec<usize>, V20Error> {
        let Some(writes) = self.writes_of(call, tx) else {
            return Ok(Vec::new());
        };
        let mut guard = self.manager.lock()?;
        let memo = current(&mut guard, call.block.number())?;
        let mut missing = BTreeSet::new();
        for ns in writes.iter().filter(|n| n.namespace == call.namespace) {
            for (coll, key) in ns.policy_keys() {
                for h in memo.updaters_before(call.namespace, coll, key, tx) {
                    if !matches!(
                        memo.slot(h, call.namespace, call.cc_policy),
                        Some(Slot::Done(_))
                    ) {
                        missing.insert(h);
                    }
                }
            }
        }
        Ok(missing.into_iter().collect())
    }

    fn action_of(call: &Call<'_, '_>, tx: usize) -> usize {
        if tx == call.target {
            call.action_position
        } else {
            0
        }
    }

    /// The decoded action of `tx` that this call validates: the call's own decoding for the
    /// target, a fresh one for an earlier transaction it depends on.
    fn decoded<'c>(
        call: &Call<'c, '_>,
        tx: usize,
    ) -> Option<Cow<'c, Result<DecodedAction, ArtifactError>>> {
        match call.target_action {
            Some(decoded) if tx == call.target => Some(Cow::Borrowed(decoded)),
            _ => {
                let env = call.block.envelope(tx)?;
                Some(Cow::Owned(DecodedAction::decode(
                    env,
                    tx,
                    Self::action_of(call, tx),
                )))
            }
        }
    }

    /// The written keys of `tx`, `None` when its artifacts or rwset do not parse (then it
    /// fails validation on its own and depends on nothing).
    fn writes_of<'c>(&self, call: &Call<'c, '_>, tx: usize) -> Option<Cow<'c, [NamespaceWrites]>> {
        match Self::decoded(call, tx)? {
            Cow::Borrowed(decoded) => decoded
                .as_ref()
                .ok()?
                .writes
                .as_deref()
                .ok()
                .map(Cow::Borrowed),
            Cow::Owned(decoded) => decoded.ok()?.writes.ok().map(Cow::Owned),
        }
    }

    /// Fabric's v20 `Validate` body for one transaction (4.2 steps 2-3).
    fn compute(&self, call: &Call<'_, '_>, tx: usize) -> Result<(), V20Error> {
        let number = call.block.number();
        let decoded = Self::decoded(call, tx).ok_or_else(|| {
            V20Error::Policy(format!(
                "block has only {} transactions, but requested tx at position {tx}",
                call.block.len()
            ))
        })?;
        let action = decoded
            .as_ref()
            .as_ref()
            .map_err(|e| V20Error::Policy(e.to_string()))?;
        let sigset = SignatureSet::new(&action.artifacts.prp, &action.artifacts.endorsements);
        let signed = sigset.signed_data();
        let writes = action.writes.as_ref().map_err(|e| {
            V20Error::Policy(format!(
                "txRWSet.FromProtoBytes failed on tx ({number},{tx}), error {e}"
            ))
        })?;
        let mut checker = PolicyChecker {
            validator: self,
            call,
            tx,
            signed: &signed,
            checked: BTreeSet::new(),
            some_checked: false,
        };
        for ns in writes.iter().filter(|n| n.namespace == call.namespace) {
            for (coll, key) in ns.policy_keys() {
                checker.check_key(coll, key)?;
            }
        }
        if !checker.some_checked {
            // FAB-9473: a transaction that writes nothing still needs the chaincode policy.
            checker.evaluate_cc()?;
        }
        Ok(())
    }

    /// Fabric's `GetValidationParameterForKey` (4.5): `Ok(None)` when there is no usable
    /// parameter (none stored, or the collection is unknown to the ledger).
    fn validation_parameter(
        &self,
        call: &Call<'_, '_>,
        tx: usize,
        coll: &str,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, VpError> {
        let cc = call.namespace;
        let updaters = {
            let mut guard = self
                .manager
                .lock()
                .map_err(|e| VpError::Execution(e.to_string()))?;
            current(&mut guard, call.block.number())
                .map_err(|e| VpError::Execution(e.to_string()))?
                .updaters_before(cc, coll, key, tx)
        };
        for h in updaters {
            match self.resolve(call, h) {
                Ok(()) => {
                    return Err(VpError::Updated(format!(
                        "validation parameters for key [{}] in namespace [{cc}:{coll}] have been \
                         changed in transaction {tx} of block {}",
                        key_text(coll, key),
                        call.block.number()
                    )))
                }
                Err(V20Error::Execution(m)) => return Err(VpError::Execution(m)),
                Err(_) => {}
            }
        }
        let state = self
            .deps
            .state_fetcher
            .fetch_state()
            .map_err(|e| VpError::Execution(format!("could not retrieve ledger: {e}")))?;
        let metadata = if coll.is_empty() {
            state.get_state_metadata(cc, &String::from_utf8_lossy(key))
        } else {
            state.get_private_data_metadata_by_hash(cc, coll, key)
        };
        state.done();
        let metadata = match metadata {
            Ok(m) => m,
            Err(StateError::CollConfigNotDefined { .. } | StateError::InvalidCollName { .. }) => {
                return Ok(None)
            }
            Err(e) => {
                return Err(VpError::Execution(format!(
                    "could not retrieve metadata for {}: {e}",
                    vp_location(cc, coll, key)
                )))
            }
        };
        let stored = metadata
            .get(VALIDATION_PARAMETER)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let vp = translate_vp(stored).map_err(|e| {
            VpError::Execution(format!(
                "could not translate policy for {}: {e}",
                vp_location(cc, coll, key)
            ))
        })?;
        Ok((!vp.is_empty()).then_some(vp))
    }
}

/// The per-(transaction, namespace) state of the v20 policy checker (4.4).
struct PolicyChecker<'v, 'c, 'b, 's> {
    validator: &'v V20Validator,
    call: &'c Call<'c, 'b>,
    tx: usize,
    signed: &'s [handlers_api::validation::SignedData<'s>],
    /// Collections whose policy (or `""`: the chaincode policy) was satisfied.
    checked: BTreeSet<String>,
    some_checked: bool,
}

impl PolicyChecker<'_, '_, '_, '_> {
    fn evaluate(&self, policy: &[u8], context: impl FnOnce() -> String) -> Result<(), V20Error> {
        match self
            .validator
            .deps
            .policy_evaluator
            .evaluate(policy, self.signed)
        {
            Ok(()) => Ok(()),
            Err(PolicyError::NotSatisfied(m)) => {
                Err(V20Error::Policy(format!("{}: {m}", context())))
            }
            Err(e) => Err(V20Error::Execution(format!("{}: {e}", context()))),
        }
    }

    fn tx_id(&self) -> String {
        format!("{}:{}", self.call.block.number(), self.tx)
    }

    fn check_key(&mut self, coll: &str, key: &[u8]) -> Result<(), V20Error> {
        let cc = self.call.namespace;
        let vp = match self
            .validator
            .validation_parameter(self.call, self.tx, coll, key)
        {
            Ok(vp) => vp,
            Err(VpError::Updated(m)) => return Err(V20Error::Policy(m)),
            Err(VpError::Execution(m)) => return Err(V20Error::Execution(m)),
        };
        match vp {
            Some(vp) => {
                self.evaluate(&vp, || {
                    format!(
                        "validation of key {} (coll'{coll}':ns'{cc}') in tx {} failed",
                        key_text(coll, key),
                        self.tx_id()
                    )
                })?;
                self.some_checked = true;
                Ok(())
            }
            None => self.check_cc_if_not_checked(coll),
        }
    }

    fn check_cc_if_not_checked(&mut self, coll: &str) -> Result<(), V20Error> {
        let cc = self.call.namespace;
        if !coll.is_empty() {
            if self.checked.contains(coll) {
                return Ok(());
            }
            let deps = &self.validator.deps;
            let mut state = deps
                .state_fetcher
                .fetch_state()
                .map_err(|e| V20Error::Execution(format!("could not retrieve ledger: {e}")))?;
            let info =
                deps.collection_resources
                    .collection_validation_info(cc, coll, state.as_mut());
            state.done();
            let coll_ep = match info {
                Ok(ep) => ep,
                Err(CollectionInfoError::Validation(m)) => return Err(V20Error::Policy(m)),
                Err(CollectionInfoError::Unexpected(m)) => return Err(V20Error::Execution(m)),
                Err(e) => return Err(V20Error::Execution(e.to_string())),
            };
            if !coll_ep.is_empty() {
                self.evaluate(&coll_ep, || {
                    format!(
                        "validation of endorsement policy for collection {coll} chaincode {cc} \
                         in tx {} failed",
                        self.tx_id()
                    )
                })?;
                self.checked.insert(coll.to_owned());
                self.some_checked = true;
                return Ok(());
            }
        }
        if self.checked.contains("") {
            return Ok(());
        }
        self.evaluate_cc()
    }

    fn evaluate_cc(&mut self) -> Result<(), V20Error> {
        let cc = self.call.namespace;
        self.evaluate(self.call.cc_policy, || {
            format!(
                "validation of endorsement policy for chaincode {cc} in tx {} failed",
                self.tx_id()
            )
        })?;
        self.checked.insert(String::new());
        self.some_checked = true;
        Ok(())
    }
}
