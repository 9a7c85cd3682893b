//! From a transaction envelope to the `ConfigEnvelope` it carries.

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, ConfigEnvelope, Envelope, HeaderType, Payload};
use prost::Message;

use crate::error::ConfigError;

/// A config transaction taken apart: its channel header facts and the config it carries.
#[derive(Debug, Clone)]
pub struct ConfigTransaction {
    /// The channel ID of the (innermost) config transaction's channel header.
    pub channel_id: String,
    /// The decoded `ConfigEnvelope`.
    pub config_envelope: ConfigEnvelope,
    /// Whether the config was wrapped in an `ORDERER_TRANSACTION` (a v1.x system channel).
    pub wrapped_in_orderer_transaction: bool,
}

fn decode<M: Message + Default>(bytes: Bytes, what: &str) -> Result<M, ConfigError> {
    M::decode(bytes).map_err(|e| ConfigError::Decode {
        what: what.to_owned(),
        reason: e.to_string(),
    })
}

/// Takes the `ConfigEnvelope` out of a transaction envelope (the single data entry of a config
/// block). A `CONFIG` (1) transaction carries it in `payload.data`; an `ORDERER_TRANSACTION` (4)
/// of a v1.x system channel carries a whole `CONFIG` envelope there, which is unwrapped once.
///
/// # Errors
/// [`ConfigError::Decode`] when a message on the way does not decode, [`ConfigError::Missing`]
/// when the payload has no header, [`ConfigError::NotConfig`] for any other header type.
pub fn config_envelope_from_envelope(envelope: Bytes) -> Result<ConfigTransaction, ConfigError> {
    let mut envelope = envelope;
    let mut wrapped = false;
    loop {
        let env: Envelope = decode(envelope, "Envelope of the config transaction")?;
        let payload: Payload = decode(env.payload, "Payload of the config transaction")?;
        let header = payload.header.ok_or_else(|| {
            ConfigError::Missing("header of the config transaction's payload".into())
        })?;
        let channel_header: ChannelHeader = decode(
            header.channel_header,
            "ChannelHeader of the config transaction",
        )?;
        match HeaderType::try_from(channel_header.r#type) {
            Ok(HeaderType::Config) => {
                let config_envelope: ConfigEnvelope =
                    decode(payload.data, "ConfigEnvelope in the payload data")?;
                return Ok(ConfigTransaction {
                    channel_id: channel_header.channel_id,
                    config_envelope,
                    wrapped_in_orderer_transaction: wrapped,
                });
            }
            Ok(HeaderType::OrdererTransaction) if !wrapped => {
                wrapped = true;
                envelope = payload.data;
            }
            _ => return Err(ConfigError::NotConfig(channel_header.r#type)),
        }
    }
}
