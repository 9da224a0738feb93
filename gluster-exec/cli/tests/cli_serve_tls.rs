//! `gluster-plan serve --tls-cert/--tls-key`: HTTPS with a self-signed certificate made by
//! `openssl req` at test time; plain HTTP to the TLS port gets no answer and the server
//! keeps serving; a key that is not one is refused before listening, naming the file.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

const BIN: &str = env!("CARGO_BIN_EXE_gluster-plan");

/// A self-signed certificate for localhost and 127.0.0.1: (cert, key) paths.
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        // An end-entity certificate: rustls refuses a CA one as the server's.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs (Debian's openssl package)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(cert: &Path, key: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-auth",
            "--tls-cert",
        ])
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gluster-plan starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let addr = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("serve exited before listening: {seen:?}"))
            .unwrap();
        if let Some(a) = line.strip_prefix("gluster-plan serve: listening on https://") {
            break a.to_string();
        }
        seen.push(line);
    };
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Server { child, addr }
}

/// `GET /hello` over TLS, trusting only `cert`; the whole answer.
fn https_hello(addr: &str, cert: &Path) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(cert).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
        let request = format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        tls.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        // A peer that closes without close_notify is fine once the answer is in.
        let _ = tls.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    })
}

#[test]
fn hello_answers_over_https_and_plain_http_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let server = start(&cert, &key);

    let answer = https_hello(&server.addr, &cert);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Hello from Heketi"), "{answer}");

    // Plain HTTP to the TLS port: the handshake fails, the connection closes unanswered.
    let mut plain = std::net::TcpStream::connect(&server.addr).unwrap();
    write!(
        plain,
        "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got);
    assert!(
        !String::from_utf8_lossy(&got).contains("Hello"),
        "plain HTTP answered: {:?}",
        String::from_utf8_lossy(&got)
    );
    // Still serving.
    assert!(https_hello(&server.addr, &cert).starts_with("HTTP/1.1 200"));
}

#[test]
fn a_bad_key_or_a_lone_cert_is_refused_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = self_signed(dir.path());
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-auth",
            "--tls-cert",
        ])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--tls-key") && err.contains("bad.pem"),
        "{err}"
    );
    assert!(
        !err.contains("listening") && !err.contains("panicked"),
        "{err}"
    );

    let lone = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-auth",
            "--tls-cert",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(lone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&lone.stderr).contains("--tls-key"));
}
