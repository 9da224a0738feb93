//! Heketi's authentication: a JWT (HS256) in `Authorization: bearer <token>`, whose `iss`
//! (`admin` or `user`) selects the key; `exp` is required (a few seconds of leeway: the
//! Python client's tokens live one second), `iat` may not lie in the future by more than
//! Heketi's 120 s, and `qsh` must be the hex SHA-256 of `METHOD&PATH` (the path without the
//! query), so a token cannot be replayed on another call. The `user` identity may use
//! `/volumes` (and `/queue`, to follow its own operations); `/hello` and `/metrics` are
//! open, as in Heketi.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Leeway on `exp`, in seconds.
pub const EXP_LEEWAY_SECS: u64 = 5;
/// How far `iat` may lie in the future, in seconds (Heketi's allowance).
pub const IAT_LEEWAY_SECS: u64 = 120;

/// The keys requests are checked against.
#[derive(Clone)]
pub enum AuthConfig {
    /// No authentication (`--no-auth`): every request is served.
    Disabled,
    /// JWT with the `admin` key and, optionally, the `user` key.
    Keys {
        /// Secret of the `admin` identity.
        admin: Vec<u8>,
        /// Secret of the `user` identity (`None`: user tokens are refused).
        user: Option<Vec<u8>>,
    },
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets.
        match self {
            AuthConfig::Disabled => f.write_str("Disabled"),
            AuthConfig::Keys { user, .. } => f
                .debug_struct("Keys")
                .field("admin", &"<secret>")
                .field("user", &user.as_ref().map(|_| "<secret>"))
                .finish(),
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header (401).
    #[error("missing Authorization header")]
    Missing,
    /// The header is not `bearer <token>` (400).
    #[error("malformed Authorization header: expected \"bearer <token>\"")]
    Malformed,
    /// The token is invalid, expired, signed with another key or for another call (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The identity may not use this path (401, as Heketi answers).
    #[error("the {identity} identity may not use {path}")]
    Forbidden {
        /// `user`.
        identity: String,
        /// The path asked for.
        path: String,
    },
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    qsh: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Issuer {
    #[serde(default)]
    iss: Option<String>,
}

/// The `qsh` claim of a call: hex SHA-256 of `METHOD&PATH`.
pub fn qsh(method: &str, path: &str) -> String {
    let digest = Sha256::digest(format!("{method}&{path}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `path` needs no token.
pub fn is_open(path: &str) -> bool {
    path == "/hello" || path == "/metrics"
}

fn user_may_use(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    // A volume's snapshots are the data services' (admin only), not Heketi's volumes.
    let snapshots = path.ends_with("/snapshots") || path.contains("/snapshots/");
    (under("/volumes") && !snapshots) || under("/queue")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl AuthConfig {
    /// Checks one request: `header` is the `Authorization` header's value, if any.
    pub fn check(&self, method: &str, path: &str, header: Option<&[u8]>) -> Result<(), AuthError> {
        let AuthConfig::Keys { admin, user } = self else {
            return Ok(());
        };
        if is_open(path) {
            return Ok(());
        }
        let header = header.ok_or(AuthError::Missing)?;
        let header = std::str::from_utf8(header).map_err(|_| AuthError::Malformed)?;
        let (scheme, token) = header.split_once(' ').ok_or(AuthError::Malformed)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
            return Err(AuthError::Malformed);
        }
        let bad = |what: &str| AuthError::Unauthorized(what.to_string());
        let issuer = jsonwebtoken::dangerous::insecure_decode::<Issuer>(token)
            .map_err(|e| AuthError::Unauthorized(format!("invalid token: {e}")))?
            .claims
            .iss
            .ok_or_else(|| bad("token has no iss claim"))?;
        let key = match (issuer.as_str(), user) {
            ("admin", _) => admin.as_slice(),
            ("user", Some(key)) => key.as_slice(),
            ("user", None) => return Err(bad("user tokens are not accepted: no user key")),
            _ => return Err(bad("iss must be admin or user")),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = EXP_LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.set_issuer(&[issuer.as_str()]);
        let claims =
            jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(key), &validation)
                .map_err(|e| AuthError::Unauthorized(format!("token refused: {e}")))?
                .claims;
        match claims.iat {
            Some(iat) if iat <= now() + IAT_LEEWAY_SECS => {}
            Some(_) => return Err(bad("token issued in the future (iat)")),
            None => return Err(bad("token has no iat claim")),
        }
        if claims.qsh.as_deref() != Some(qsh(method, path).as_str()) {
            return Err(bad("token was not issued for this call (qsh)"));
        }
        if claims.iss == "user" && !user_may_use(path) {
            return Err(AuthError::Forbidden {
                identity: claims.iss,
                path: path.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qsh_is_hex_sha256_of_method_and_path() {
        // `printf 'GET&/clusters' | sha256sum`
        assert_eq!(
            qsh("GET", "/clusters"),
            "4749a59de87c27c9b2f495c5f1309b2525681dfe30c8a7b83625901b132a9c26"
        );
        assert_eq!(qsh("GET", "/clusters").len(), 64);
        assert_ne!(qsh("GET", "/clusters"), qsh("POST", "/clusters"));
    }

    #[test]
    fn user_paths() {
        assert!(user_may_use("/volumes"));
        assert!(user_may_use("/volumes/abc/expand"));
        assert!(user_may_use("/queue/abc"));
        assert!(!user_may_use("/volumesx"));
        assert!(!user_may_use("/clusters"));
        assert!(!user_may_use("/nodes/abc"));
        assert!(!user_may_use("/volumes/abc/snapshots"));
        assert!(!user_may_use("/snapshots"));
        assert!(!user_may_use("/subvolumes/abc"));
    }
}
