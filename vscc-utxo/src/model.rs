//! The UTXO data model on Fabric state: output keys and the [`Output`] value.
//!
//! An unspent output is the public key `utxo/<txid>/<index>` of the guarded namespace, where
//! `<txid>` is the ID of the transaction that created it and `<index>` its position among
//! that transaction's outputs, in canonical decimal (`0`, `1`, … `10`; no sign, no leading
//! zero). Plain keys, not Fabric composite keys: they sort and range-scan as text and need no
//! `\0` separators. The value is a serialized [`Output`].

use prost::Message;

/// The prefix of every UTXO key in the guarded namespace.
pub const KEY_PREFIX: &str = "utxo/";

/// The value of an unspent output: who owns it, how much, of what.
///
/// Protobuf (field numbers are the wire format, append-only):
///
/// ```text
/// message Output {
///     bytes  owner      = 1; // the owner's serialized msp.SerializedIdentity
///     uint64 amount     = 2; // > 0
///     string asset_type = 3; // non-empty
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Message)]
pub struct Output {
    /// The owner's serialized `msp.SerializedIdentity`, byte for byte as it appears as
    /// `SignatureHeader.creator` in the owner's transactions.
    #[prost(bytes = "vec", tag = "1")]
    pub owner: Vec<u8>,
    /// The amount, in the asset's smallest unit.
    #[prost(uint64, tag = "2")]
    pub amount: u64,
    /// The asset type (e.g. `"gold"`).
    #[prost(string, tag = "3")]
    pub asset_type: String,
}

impl Output {
    /// An output of `amount` units of `asset_type` owned by `owner` (a serialized identity).
    #[must_use]
    pub fn new(owner: impl Into<Vec<u8>>, amount: u64, asset_type: impl Into<String>) -> Self {
        Output {
            owner: owner.into(),
            amount,
            asset_type: asset_type.into(),
        }
    }
}

/// The key of output `index` of transaction `txid`: `utxo/<txid>/<index>`.
#[must_use]
pub fn output_key(txid: &str, index: u32) -> String {
    format!("{KEY_PREFIX}{txid}/{index}")
}

/// Whether `key` is in the UTXO part of the namespace (starts with [`KEY_PREFIX`]).
#[must_use]
pub fn is_utxo_key(key: &str) -> bool {
    key.starts_with(KEY_PREFIX)
}

/// A parsed output key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutputKey {
    /// The ID of the transaction that created the output.
    pub txid: String,
    /// The output's position among that transaction's outputs.
    pub index: u32,
}

/// Why a key is not an output key.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key does not start with `utxo/`.
    #[error("key {0:?} does not start with {KEY_PREFIX:?}")]
    Prefix(String),
    /// The key has no `/` between transaction ID and index, or an empty transaction ID.
    #[error("key {0:?} is not utxo/<txid>/<index>")]
    Shape(String),
    /// The index is not a canonical decimal `u32`.
    #[error("key {0:?} has an index that is not a canonical decimal number below 2^32")]
    Index(String),
}

impl OutputKey {
    /// Parses `utxo/<txid>/<index>`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] naming the key when it has another shape, an empty transaction ID, or an
    /// index that is not canonical decimal (`"01"`, `"+1"`, `""` are refused so that one
    /// output has exactly one key).
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        let rest = key
            .strip_prefix(KEY_PREFIX)
            .ok_or_else(|| KeyError::Prefix(key.to_owned()))?;
        let (txid, index) = rest
            .rsplit_once('/')
            .ok_or_else(|| KeyError::Shape(key.to_owned()))?;
        if txid.is_empty() || txid.contains('/') {
            return Err(KeyError::Shape(key.to_owned()));
        }
        let canonical = !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
            && (index == "0" || !index.starts_with('0'));
        if !canonical {
            return Err(KeyError::Index(key.to_owned()));
        }
        let index = index
            .parse::<u32>()
            .map_err(|_| KeyError::Index(key.to_owned()))?;
        Ok(OutputKey {
            txid: txid.to_owned(),
            index,
        })
    }

    /// The key text, `utxo/<txid>/<index>`.
    #[must_use]
    pub fn to_key(&self) -> String {
        output_key(&self.txid, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_only_canonical_indices_parse() {
        let key = output_key("ab12", 10);
        assert_eq!(key, "utxo/ab12/10");
        assert_eq!(
            OutputKey::parse(&key),
            Ok(OutputKey {
                txid: "ab12".into(),
                index: 10
            })
        );
        for bad in [
            "utxo/ab12/01",
            "utxo/ab12/+1",
            "utxo/ab12/",
            "utxo/ab12/4294967296",
        ] {
            assert!(
                matches!(OutputKey::parse(bad), Err(KeyError::Index(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            OutputKey::parse("utxo//0"),
            Err(KeyError::Shape(_))
        ));
        assert!(matches!(
            OutputKey::parse("utxo/a/b/0"),
            Err(KeyError::Shape(_))
        ));
        assert!(matches!(
            OutputKey::parse("coin/a/0"),
            Err(KeyError::Prefix(_))
        ));
    }

    #[test]
    fn output_encodes_with_the_documented_field_numbers() {
        let out = Output::new(b"me".to_vec(), 300, "gold");
        // owner (1, bytes), amount (2, varint 300 = ac 02), asset_type (3, string).
        assert_eq!(
            out.encode_to_vec(),
            [&[0x0a, 2][..], b"me", &[0x10, 0xac, 0x02, 0x1a, 4], b"gold"].concat()
        );
        assert_eq!(Output::decode(out.encode_to_vec().as_slice()), Ok(out));
    }
}
