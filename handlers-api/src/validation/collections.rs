//! Collection-level endorsement policies as validation plugins see them (Fabric's
//! `CollectionResources`, defined next to the v20 dispatcher rather than in the api package).

use super::state::State;

/// Why [`CollectionResources::collection_validation_info`] gave no policy.
///
/// Fabric returns two separate errors; here they are two variants with opposite treatment.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectionInfoError {
    /// Something unexpected (ledger read, decoding of the definition, unknown org for an
    /// implicit collection): validity cannot be determined, the block must halt.
    #[error("unexpected error retrieving collection validation info: {0}")]
    Unexpected(String),
    /// The transaction refers to a collection that cannot be used (e.g. "no such collection
    /// 'x'"): the transaction is invalid.
    #[error("{0}")]
    Validation(String),
}

/// Gives the endorsement policy of a chaincode's collection.
pub trait CollectionResources: Send + Sync {
    /// The collection-level endorsement policy of `collection` of `chaincode` as serialized
    /// `ApplicationPolicy` bytes, or empty when the collection has none (then the chaincode's
    /// policy applies). Reads the chaincode definition through `state`, which the caller
    /// obtained from its `StateFetcher` and releases afterwards.
    ///
    /// # Errors
    ///
    /// [`CollectionInfoError::Unexpected`] (execution failure) or
    /// [`CollectionInfoError::Validation`] (invalid transaction).
    fn collection_validation_info(
        &self,
        chaincode: &str,
        collection: &str,
        state: &mut dyn State,
    ) -> Result<Vec<u8>, CollectionInfoError>;
}
