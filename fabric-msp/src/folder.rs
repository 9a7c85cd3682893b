//! Loading a verifying MSP from a folder in Fabric's layout (`msp.GetVerifyingMspConfig`).
//!
//! Read: `cacerts/` (required, at least one PEM file), `intermediatecerts/`, `admincerts/`,
//! `crls/` (each optional), and `config.yaml` (`OrganizationalUnitIdentifiers`, `NodeOUs`).
//! Each file of a directory becomes one entry, whole, in file-name order; files without any
//! PEM block are skipped and sub-directories ignored, as in Fabric. `tlscacerts/`,
//! `tlsintermediatecerts/`, `signcerts/`, `keystore/` and anything else (for example `ca/` or
//! `identities/`) are ignored. The crypto config is SHA2 / SHA256.
//!
//! One deliberate difference: Fabric only logs a warning when a NodeOU certificate named in
//! `config.yaml` cannot be read and goes on without it; here that is an error naming the file.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use fabric_protos::msp::{FabricCryptoConfig, FabricMspConfig, FabricNodeOUs, FabricOuIdentifier};
use serde::Deserialize;

use crate::pem;

/// Why an MSP folder could not be loaded. Every variant names the file or directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// A file or directory could not be read.
    #[error("could not read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cacerts/` is missing or holds no PEM file.
    #[error("could not load a valid ca certificate from directory {0}")]
    NoCaCertificates(PathBuf),
    /// `config.yaml` is not valid YAML of the expected shape.
    #[error("failed unmarshalling configuration file at {path}: {reason}")]
    ConfigFile {
        /// The path of `config.yaml`.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// A certificate named in `config.yaml` could not be read.
    #[error("failed loading {what} certificate at {path}: {source}")]
    Certificate {
        /// Which entry named it (for example `ClientOU` or `OrganizationalUnitIdentifiers[0]`).
        what: String,
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OuConfig {
    #[serde(rename = "Certificate")]
    certificate: String,
    #[serde(rename = "OrganizationalUnitIdentifier")]
    organizational_unit_identifier: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NodeOusConfig {
    #[serde(rename = "Enable")]
    enable: bool,
    #[serde(rename = "ClientOUIdentifier")]
    client: Option<OuConfig>,
    #[serde(rename = "PeerOUIdentifier")]
    peer: Option<OuConfig>,
    #[serde(rename = "AdminOUIdentifier")]
    admin: Option<OuConfig>,
    #[serde(rename = "OrdererOUIdentifier")]
    orderer: Option<OuConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MspFolderConfig {
    #[serde(rename = "OrganizationalUnitIdentifiers")]
    organizational_unit_identifiers: Vec<OuConfig>,
    #[serde(rename = "NodeOUs")]
    node_ous: Option<NodeOusConfig>,
}

/// Loads the verifying MSP configuration of `msp_id` from `dir` (see the module docs).
///
/// # Errors
/// [`FolderError`] naming the file or directory that is missing or unreadable.
pub fn load_msp_folder(
    dir: impl AsRef<Path>,
    msp_id: &str,
) -> Result<FabricMspConfig, FolderError> {
    let dir = dir.as_ref();
    let cacerts_dir = dir.join("cacerts");
    let root_certs = match pem_files(&cacerts_dir)? {
        Some(certs) if !certs.is_empty() => certs,
        _ => return Err(FolderError::NoCaCertificates(cacerts_dir)),
    };
    let admins = pem_files(&dir.join("admincerts"))?.unwrap_or_default();
    let intermediate_certs = pem_files(&dir.join("intermediatecerts"))?.unwrap_or_default();
    let revocation_list = pem_files(&dir.join("crls"))?.unwrap_or_default();

    let mut organizational_unit_identifiers = Vec::new();
    let mut fabric_node_ous = None;
    let config_path = dir.join("config.yaml");
    if config_path.is_file() {
        let text = fs::read(&config_path).map_err(|source| FolderError::Io {
            path: config_path.clone(),
            source,
        })?;
        let config: MspFolderConfig = if text.iter().all(u8::is_ascii_whitespace) {
            MspFolderConfig::default()
        } else {
            serde_yaml::from_slice(&text).map_err(|e| FolderError::ConfigFile {
                path: config_path.clone(),
                reason: e.to_string(),
            })?
        };
        for (i, ou) in config.organizational_unit_identifiers.iter().enumerate() {
            let what = format!("OrganizationalUnitIdentifiers[{i}]");
            organizational_unit_identifiers.push(FabricOuIdentifier {
                certificate: read_certificate(dir, &ou.certificate, &what)?,
                organizational_unit_identifier: ou.organizational_unit_identifier.clone(),
            });
        }
        if let Some(node_ous) = config.node_ous.filter(|n| n.enable) {
            let resolve = |ou: &Option<OuConfig>, what: &str| -> Result<_, FolderError> {
                let Some(ou) = ou
                    .as_ref()
                    .filter(|o| !o.organizational_unit_identifier.is_empty())
                else {
                    return Ok(None);
                };
                let certificate = if ou.certificate.is_empty() {
                    Bytes::new()
                } else {
                    read_certificate(dir, &ou.certificate, what)?
                };
                Ok(Some(FabricOuIdentifier {
                    certificate,
                    organizational_unit_identifier: ou.organizational_unit_identifier.clone(),
                }))
            };
            fabric_node_ous = Some(FabricNodeOUs {
                enable: true,
                client_ou_identifier: resolve(&node_ous.client, "ClientOU")?,
                peer_ou_identifier: resolve(&node_ous.peer, "PeerOU")?,
                admin_ou_identifier: resolve(&node_ous.admin, "AdminOU")?,
                orderer_ou_identifier: resolve(&node_ous.orderer, "OrdererOU")?,
            });
        }
    }

    Ok(FabricMspConfig {
        name: msp_id.to_owned(),
        root_certs,
        intermediate_certs,
        admins,
        revocation_list,
        signing_identity: None,
        organizational_unit_identifiers,
        crypto_config: Some(FabricCryptoConfig {
            signature_hash_family: "SHA2".to_owned(),
            identity_identifier_hash_function: "SHA256".to_owned(),
        }),
        tls_root_certs: Vec::new(),
        tls_intermediate_certs: Vec::new(),
        fabric_node_ous,
    })
}

/// Go's `filepath.Join(dir, relative)`: the second part is appended even when absolute.
fn join_like_go(dir: &Path, relative: &str) -> PathBuf {
    dir.join(relative.trim_start_matches('/'))
}

fn read_certificate(dir: &Path, relative: &str, what: &str) -> Result<Bytes, FolderError> {
    let path = join_like_go(dir, relative);
    fs::read(&path)
        .map(Bytes::from)
        .map_err(|source| FolderError::Certificate {
            what: what.to_owned(),
            path,
            source,
        })
}

/// Fabric's `getPemMaterialFromDir`: `None` when the directory does not exist.
fn pem_files(dir: &Path) -> Result<Option<Vec<Bytes>>, FolderError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FolderError::Io {
                path: dir.to_owned(),
                source,
            })
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FolderError::Io {
            path: dir.to_owned(),
            source,
        })?;
        paths.push(entry.path());
    }
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        // Like Go's os.Stat: follows symlinks; unreadable entries and directories are skipped.
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            _ => continue,
        }
        let bytes = fs::read(&path).map_err(|source| FolderError::Io {
            path: path.clone(),
            source,
        })?;
        if pem::decode_first_block(&bytes).is_some() {
            out.push(Bytes::from(bytes));
        }
    }
    Ok(Some(out))
}
