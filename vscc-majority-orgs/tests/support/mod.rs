//! The consortium of the issue's scenario, built with fabric-testgen (real certificates, CRLs,
//! config blocks and signatures), a channel that runs a plugin against it with the block
//! validator's host dependencies, and the scenario as a ledger ([`ledger`]).
#![allow(dead_code, clippy::unwrap_used)]

pub mod ledger;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use block_validator::ChannelHost;
use bytes::Bytes;
use fabric_config::ChannelConfig;
use fabric_crypto::SigningKey;
use fabric_protos::common::{self as cpb, Envelope, Payload};
use fabric_protos::msp::SerializedIdentity;
use fabric_protos::protos::{ChaincodeActionPayload, Endorsement, Transaction};
use fabric_testgen::channel_config::{
    config_envelope, config_update, genesis_config, ChannelSpec, ConfigChange, EnvelopeHeader,
    UpdateSigners,
};
use fabric_testgen::clock::FrozenClock;
use fabric_testgen::msp::{Identity, OrgMaterial, OrgSpec};
use fabric_testgen::rwset::{NamespaceRwSet, RwSet, Write};
use fabric_testgen::tx::{build_endorser_tx, Chaincode, Fault, TxRequest};
use fabric_testgen::x509::{serial_from, SubjectName};
use fabric_testgen::Seed;
use handlers_api::validation::{
    BlockView, Context, Plugin, PluginFactory, SerializedPolicy, ValidationError,
};
use prost::Message;

/// The channel.
pub const CHANNEL: &str = "cmschannel";
/// The consortium management chaincode.
pub const CMSCC: &str = "cmscc";

/// A peer identity testgen does not plan (it makes one peer per organisation): a second peer
/// certificate issued by the organisation's own CA.
pub struct ExtraPeer {
    /// The `SerializedIdentity` bytes.
    pub serialized: Bytes,
    key: SigningKey,
}

impl ExtraPeer {
    fn issue(seed: &Seed, org: &OrgMaterial, name: &str) -> Self {
        let msp_id = org.msp_id();
        let key = seed.signing_key(&format!("/{msp_id}/{name}"));
        let ou = org.spec().node_ous.then_some("peer");
        let subject = SubjectName::cryptogen(None, ou, &format!("{name}.{}", org.spec().domain));
        let serial = serial_from(seed.bytes::<16>(&format!("/{msp_id}/{name}/serial")));
        let cert = org.issuing_ca().leaf(&subject, &key, &serial).unwrap();
        let serialized = SerializedIdentity {
            mspid: msp_id.to_owned(),
            id_bytes: Bytes::from(cert.pem.into_bytes()),
        }
        .encode_to_vec();
        ExtraPeer {
            serialized: Bytes::from(serialized),
            key,
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message)
    }
}

/// Org1 (NodeOUs on, a second peer), Org2 (NodeOUs off; `client3` revoked), OrgX (NodeOUs on,
/// intermediate CA), OrgY (NodeOUs off) and OrgZ (never joins), the orderer org, and the
/// three configurations of the scenario: {Org1, Org2}, + OrgX, + OrgY.
pub struct Consortium {
    /// Org1MSP.
    pub org1: OrgMaterial,
    /// Org2MSP.
    pub org2: OrgMaterial,
    /// OrgXMSP.
    pub orgx: OrgMaterial,
    /// OrgYMSP.
    pub orgy: OrgMaterial,
    /// OrgZMSP, never a member.
    pub orgz: OrgMaterial,
    /// OrdererMSP.
    pub orderer_org: OrgMaterial,
    /// Org1's `peer1`.
    pub org1_peer1: ExtraPeer,
    /// The genesis config envelope (Org1, Org2).
    pub genesis: Bytes,
    /// The config envelope that adds OrgX.
    pub add_orgx: Bytes,
    /// The config envelope that then adds OrgY.
    pub add_orgy: Bytes,
    /// The config envelope that then removes Org2 (Org1, OrgX, OrgY).
    pub remove_org2: Bytes,
    nonces: AtomicU64,
}

fn org(msp: &str, domain: &str, node_ous: bool) -> OrgSpec {
    OrgSpec {
        msp_id: msp.to_owned(),
        domain: domain.to_owned(),
        node_ous,
        ..OrgSpec::application(1)
    }
}

/// The consortium, generated once per test binary.
pub fn consortium() -> &'static Consortium {
    static CONSORTIUM: OnceLock<Consortium> = OnceLock::new();
    CONSORTIUM.get_or_init(Consortium::generate)
}

impl Consortium {
    fn generate() -> Self {
        let seed = Seed::new(b"vscc-majority-orgs tests".to_vec());
        let gen = |spec: OrgSpec| OrgMaterial::generate(&seed, spec).unwrap();
        let org1 = gen(org("Org1MSP", "org1.example.com", true));
        let org2 = gen(OrgSpec {
            extra_clients: 2,
            revoked: vec!["client3".to_owned()],
            ..org("Org2MSP", "org2.example.com", false)
        });
        let orgx = gen(OrgSpec {
            intermediate_ca: true,
            ..org("OrgXMSP", "orgx.example.com", true)
        });
        let orgy = gen(org("OrgYMSP", "orgy.example.com", false));
        let orgz = gen(org("OrgZMSP", "orgz.example.com", true));
        let orderer_org = gen(OrgSpec::orderer());
        let org1_peer1 = ExtraPeer::issue(&seed, &org1, "peer1");

        let spec = ChannelSpec::new(CHANNEL, "V2_0");
        let orderer = orderer_org.identity("orderer").unwrap();
        let mut clock = FrozenClock::default();
        let mut envelope = |config: &cpb::Config, update: Option<Envelope>, n: u32| {
            let nonce = seed.bytes::<24>(&format!("/config/{n}/nonce"));
            let header = EnvelopeHeader {
                channel_id: CHANNEL,
                timestamp: clock.tick(),
                nonce: &nonce,
            };
            Bytes::from(config_envelope(&header, config, update, orderer).encode_to_vec())
        };
        let genesis_config = genesis_config(&spec, &[&org1, &org2], &orderer_org);
        let genesis = envelope(&genesis_config, None, 0);

        let update =
            |current: &cpb::Config, change: ConfigChange<'_>, admins: &[&OrgMaterial], n: u32| {
                let admins: Vec<&Identity> = admins
                    .iter()
                    .map(|o| o.identity("admin").unwrap())
                    .collect();
                let nonce = seed.bytes::<24>(&format!("/update/{n}/nonce"));
                let header = EnvelopeHeader {
                    channel_id: CHANNEL,
                    timestamp: FrozenClock::starting_at(1_717_250_000 + i64::from(n)).tick(),
                    nonce: &nonce,
                };
                config_update(
                    current,
                    change,
                    &header,
                    &UpdateSigners {
                        submitter: admins[0],
                        signers: admins.clone(),
                    },
                    &[],
                )
                .unwrap()
            };
        let with_orgx = update(
            &genesis_config,
            ConfigChange::AddOrg(&orgx),
            &[&org1, &org2],
            1,
        );
        let with_orgy = update(
            &with_orgx.config,
            ConfigChange::AddOrg(&orgy),
            &[&org1, &org2, &orgx],
            2,
        );
        let without_org2 = update(
            &with_orgy.config,
            ConfigChange::RemoveOrg("Org2MSP"),
            &[&org1, &org2, &orgx],
            3,
        );
        let add_orgx = envelope(&with_orgx.config, Some(with_orgx.update_envelope), 1);
        let add_orgy = envelope(&with_orgy.config, Some(with_orgy.update_envelope), 2);
        let remove_org2 = envelope(&without_org2.config, Some(without_org2.update_envelope), 3);
        Consortium {
            org1,
            org2,
            orgx,
            orgy,
            orgz,
            orderer_org,
            org1_peer1,
            genesis,
            add_orgx,
            add_orgy,
            remove_org2,
            nonces: AtomicU64::new(0),
        }
    }

    /// `peer0` of `org`.
    pub fn peer(org: &OrgMaterial) -> &Identity {
        org.identity("peer0").unwrap()
    }

    /// The identity called `name` of `org`.
    pub fn id<'a>(org: &'a OrgMaterial, name: &str) -> &'a Identity {
        org.identity(name).unwrap()
    }

    /// A cmscc transaction created by Org1's client, endorsed by `endorsers` in that order,
    /// with `fault` applied; each call has its own nonce (so its own txid) and write key.
    pub fn tx(&self, endorsers: &[&Identity], fault: Fault) -> Bytes {
        let n = self.nonces.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; 24];
        nonce[..8].copy_from_slice(&n.to_be_bytes());
        nonce[8..].copy_from_slice(b"majority-orgs-tx");
        let chaincode = Chaincode {
            name: CMSCC.to_owned(),
            version: "1.0".to_owned(),
        };
        let request = TxRequest {
            channel_id: CHANNEL,
            chaincode: &chaincode,
            creator: Self::id(&self.org1, "client"),
            endorsers: endorsers.to_vec(),
            args: vec![b"propose".to_vec(), format!("update-{n}").into_bytes()],
            rwset: RwSet {
                namespaces: vec![NamespaceRwSet {
                    namespace: CMSCC.to_owned(),
                    writes: vec![Write {
                        key: format!("proposal/{n}"),
                        value: b"add OrgX".to_vec(),
                        is_delete: false,
                    }],
                    ..Default::default()
                }],
            },
            response_payload: Vec::new(),
            timestamp: prost_types::Timestamp {
                seconds: 1_717_300_000 + i64::try_from(n).unwrap(),
                nanos: 0,
            },
            nonce: nonce.to_vec(),
            fault,
        };
        build_endorser_tx(&request).unwrap().envelope
    }

    /// [`Consortium::tx`] with `extra` peers' endorsements appended (over the same proposal
    /// response payload bytes), the envelope re-signed by its creator.
    pub fn tx_with_extra(&self, endorsers: &[&Identity], extra: &[&ExtraPeer]) -> Bytes {
        let envelope = self.tx(endorsers, Fault::None);
        append_endorsements(&envelope, Self::id(&self.org1, "client"), extra)
    }
}

/// Appends endorsements by `extra` to the first action of `envelope` and re-signs the payload
/// as `creator`. The proposal response payload bytes are carried over untouched.
pub fn append_endorsements(envelope: &Bytes, creator: &Identity, extra: &[&ExtraPeer]) -> Bytes {
    let env = Envelope::decode(envelope.clone()).unwrap();
    let mut payload = Payload::decode(env.payload).unwrap();
    let mut tx = Transaction::decode(payload.data.clone()).unwrap();
    let mut cap = ChaincodeActionPayload::decode(tx.actions[0].payload.clone()).unwrap();
    let endorsed = cap.action.as_mut().unwrap();
    for peer in extra {
        let mut message = endorsed.proposal_response_payload.to_vec();
        message.extend_from_slice(&peer.serialized);
        endorsed.endorsements.push(Endorsement {
            endorser: peer.serialized.clone(),
            signature: Bytes::from(peer.sign(&message)),
        });
    }
    tx.actions[0].payload = Bytes::from(cap.encode_to_vec());
    payload.data = Bytes::from(tx.encode_to_vec());
    let payload = payload.encode_to_vec();
    Bytes::from(
        Envelope {
            signature: Bytes::from(creator.sign(&payload)),
            payload: Bytes::from(payload),
        }
        .encode_to_vec(),
    )
}

/// The configuration carried by a config envelope.
pub fn config(envelope: &Bytes) -> ChannelConfig {
    ChannelConfig::from_config_block_envelope(envelope.clone()).unwrap()
}

/// One channel running one plugin instance: the configuration in force changes with
/// [`Channel::commit_config`], as the committer does between blocks.
pub struct Channel {
    /// The host whose dependencies the plugin got.
    pub host: ChannelHost,
    plugin: Box<dyn Plugin>,
    next_block: AtomicU64,
}

impl Channel {
    /// A channel created by `genesis`, running a fresh instance from `factory`.
    pub fn new(factory: &dyn PluginFactory, genesis: &Bytes) -> Self {
        let host = ChannelHost::new(CHANNEL, Some(config(genesis)), Arc::default());
        let mut plugin = factory.new().unwrap();
        plugin.init(host.dependencies()).unwrap();
        Channel {
            host,
            plugin,
            next_block: AtomicU64::new(1),
        }
    }

    /// Puts the configuration of a config envelope in force.
    pub fn commit_config(&self, envelope: &Bytes) {
        self.host.set_config(config(envelope));
        self.next_block.fetch_add(1, Ordering::Relaxed);
    }

    /// The plugin's verdict on a block made of `txs`, for transaction `position`, with the
    /// validation parameter `parameter`.
    pub fn verdict_in(
        &self,
        txs: &[Bytes],
        position: usize,
        parameter: &[u8],
    ) -> Result<(), ValidationError> {
        let number = self.next_block.fetch_add(1, Ordering::Relaxed);
        let refs: Vec<&[u8]> = txs.iter().map(AsRef::as_ref).collect();
        self.plugin.validate(
            &BlockView::new(number, &refs),
            CMSCC,
            position,
            0,
            &Context::new(SerializedPolicy(parameter)),
        )
    }

    /// The verdict on a block holding only `tx`.
    pub fn verdict(&self, tx: &Bytes, parameter: &str) -> Result<(), ValidationError> {
        self.verdict_in(std::slice::from_ref(tx), 0, parameter.as_bytes())
    }
}

/// The invalid reason, failing the test on any other outcome.
pub fn invalid(outcome: Result<(), ValidationError>) -> String {
    match outcome {
        Err(ValidationError::Invalid(reason)) => reason,
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
}

/// The execution-failure reason, failing the test on any other outcome.
pub fn execution_failure(outcome: Result<(), ValidationError>) -> String {
    match outcome {
        Err(ValidationError::ExecutionFailure(reason)) => reason,
        other => panic!("expected an execution failure, got {other:?}"),
    }
}

/// `target/<profile>/` of this test run, found from the test executable (in
/// `target/<profile>/deps/`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_path_buf()
}

/// The shared library `stem` in `target/<profile>/`, failing the test when it is missing.
pub fn cdylib(stem: &str) -> PathBuf {
    let path = profile_dir().join(format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo build -p vscc-majority-orgs-plugin)",
        path.display()
    );
    path
}

/// The `fabric-handlers` binary in `target/<profile>/`, failing the test when it is missing.
pub fn cli_binary() -> PathBuf {
    let path = profile_dir().join(format!("fabric-handlers{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run cargo build --workspace first (or cargo build -p fabric-handlers-cli)",
        path.display()
    );
    path
}
