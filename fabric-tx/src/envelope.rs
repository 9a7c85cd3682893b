//! The envelope, its payload and headers.

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, Envelope, HeaderType, Payload, SignatureHeader};
use fabric_protos::msp::SerializedIdentity;

use crate::endorser::EndorserTransaction;
use crate::error::{decode, TxError};

/// One transaction envelope with its payload and both headers decoded, and every signed part
/// kept as the original bytes.
#[derive(Debug, Clone)]
pub struct EnvelopeView {
    /// The whole envelope as it was in the block.
    pub raw: Bytes,
    /// `Envelope.payload`: the bytes the creator signed.
    pub payload: Bytes,
    /// `Envelope.signature`: the creator's signature over [`EnvelopeView::payload`].
    pub signature: Bytes,
    /// `Header.channel_header`, as carried.
    pub channel_header_raw: Bytes,
    /// The decoded channel header.
    pub channel_header: ChannelHeader,
    /// `Header.signature_header`, as carried.
    pub signature_header_raw: Bytes,
    /// The decoded signature header (creator and nonce).
    pub signature_header: SignatureHeader,
    /// `Payload.data`: a `Transaction` for endorser transactions, a `ConfigEnvelope` for config.
    pub data: Bytes,
}

impl EnvelopeView {
    /// Decodes the envelope, its payload and both headers.
    ///
    /// # Errors
    /// [`TxError::Decode`] naming the layer that did not decode, or [`TxError::Missing`] when
    /// the payload has no header.
    pub fn decode(raw: Bytes) -> Result<Self, TxError> {
        let envelope: Envelope = decode(&raw, "Envelope")?;
        let payload: Payload = decode(&envelope.payload, "Payload")?;
        let header = payload.header.ok_or(TxError::Missing("payload header"))?;
        let channel_header = decode(&header.channel_header, "ChannelHeader")?;
        let signature_header = decode(&header.signature_header, "SignatureHeader")?;
        Ok(Self {
            raw,
            payload: envelope.payload,
            signature: envelope.signature,
            channel_header_raw: header.channel_header,
            channel_header,
            signature_header_raw: header.signature_header,
            signature_header,
            data: payload.data,
        })
    }

    /// The header type, when it is one Fabric defines.
    #[must_use]
    pub fn header_type(&self) -> Option<HeaderType> {
        HeaderType::try_from(self.channel_header.r#type).ok()
    }

    /// The transaction ID from the channel header.
    #[must_use]
    pub fn tx_id(&self) -> &str {
        &self.channel_header.tx_id
    }

    /// The creator's serialized identity (`SignatureHeader.creator`).
    #[must_use]
    pub fn creator(&self) -> &Bytes {
        &self.signature_header.creator
    }

    /// The creator's MSP ID, when the creator decodes as a `SerializedIdentity`.
    #[must_use]
    pub fn creator_msp_id(&self) -> Option<String> {
        msp_id_of(self.creator())
    }

    /// Decodes `data` as an endorser transaction.
    ///
    /// # Errors
    /// [`TxError::WrongHeaderType`] when this is not an `ENDORSER_TRANSACTION`, otherwise as
    /// [`EndorserTransaction::decode`].
    pub fn endorser_transaction(&self) -> Result<EndorserTransaction, TxError> {
        let expected = HeaderType::EndorserTransaction as i32;
        if self.channel_header.r#type != expected {
            return Err(TxError::WrongHeaderType {
                found: self.channel_header.r#type,
                expected,
            });
        }
        EndorserTransaction::decode(&self.data)
    }
}

/// The MSP ID of serialized identity bytes, when they decode and name one.
#[must_use]
pub(crate) fn msp_id_of(identity: &Bytes) -> Option<String> {
    decode::<SerializedIdentity>(identity, "SerializedIdentity")
        .ok()
        .map(|i| i.mspid)
        .filter(|m| !m.is_empty())
}
