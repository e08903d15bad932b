//! TLS setups against a real HTTPS server on loopback (a throwaway CA made with `openssl`), and
//! the CA file errors.
#![allow(clippy::print_stderr)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use plimsoll_net::{agent, tls_config, AgentConfig, NetError, RetryPolicy, TlsOptions};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_pki_types::pem::PemObject;

/// A CA and a server certificate for `127.0.0.1` signed by it; `None` (with the reason printed)
/// without `openssl`.
fn pki(dir: &Path) -> Option<(PathBuf, Arc<rustls::ServerConfig>)> {
    let openssl = |args: &[&str]| {
        Command::new("openssl").args(args).current_dir(dir).output().map_err(|e| e.to_string()).and_then(|o| {
            o.status.success().then_some(()).ok_or_else(|| String::from_utf8_lossy(&o.stderr).into_owned())
        })
    };
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    let made = [
        format!("req -x509 {ec} -keyout ca.key -out ca.pem -subj /CN=net-test-CA -days 2"),
        format!("req {ec} -keyout server.key -out server.csr -subj /CN=127.0.0.1"),
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf"
            .to_owned(),
    ]
    .iter()
    .try_for_each(|args| openssl(&args.split(' ').collect::<Vec<_>>()));
    if let Err(reason) = made {
        plimsoll_test_support::require(&format!("cannot make a test CA with openssl: {reason}"));
        return None;
    }
    let certs: Vec<CertificateDer> =
        CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Some((dir.join("ca.pem"), Arc::new(config)))
}

/// An HTTPS server answering every request with `200 hello`; returns its URL.
fn serve(config: Arc<rustls::ServerConfig>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let Ok(server) = rustls::ServerConnection::new(config.clone()) else { continue };
            let mut tls = rustls::StreamOwned::new(server, conn);
            // A refused handshake ends here with an error; the next client gets a new connection.
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    url
}

#[test]
fn ca_files_and_insecure_reach_a_private_ca_server() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((ca, server)) = pki(tmp.path()) else { return };
    let url = serve(server);
    let get = |tls: TlsOptions| agent(&tls, &AgentConfig::default()).unwrap().get(&url).call().map_err(Box::new);

    // The system roots alone refuse the private CA, and sending again would not help.
    let err = get(TlsOptions::default()).unwrap_err();
    assert!(matches!(*err, ureq::Error::Transport(_)), "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert_eq!(RetryPolicy::default().wait_after(1, &err), None, "{err}");

    let ok = get(TlsOptions { insecure: false, ca_files: vec![ca.clone()] }).unwrap();
    assert_eq!(ok.into_string().unwrap(), "hello");
    // Insecure: the certificate is not checked (the CA file is not needed), the handshake is.
    let ok = get(TlsOptions { insecure: true, ca_files: vec![] }).unwrap();
    assert_eq!(ok.into_string().unwrap(), "hello");
}

#[test]
fn ca_file_errors_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let with = |name: &str, content: Option<&[u8]>| {
        let path = tmp.path().join(name);
        if let Some(c) = content {
            std::fs::write(&path, c).unwrap();
        }
        let err = tls_config(&TlsOptions { insecure: false, ca_files: vec![path.clone()] }).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("--ca-file"), "{msg}");
        err
    };
    assert!(matches!(with("absent.pem", None), NetError::CaFileUnreadable { .. }));
    std::fs::create_dir(tmp.path().join("dir.pem")).unwrap();
    assert!(matches!(with("dir.pem", None), NetError::CaFileUnreadable { .. }));
    assert!(matches!(with("empty.pem", Some(b"")), NetError::CaFileEmpty { .. }));
    // A key passed by mistake holds no certificate either.
    let key = b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQc=\n-----END PUBLIC KEY-----\n";
    assert!(matches!(with("key.pem", Some(key)), NetError::CaFileEmpty { .. }));
    // DER bytes rather than PEM.
    assert!(matches!(with("ca.der", Some(&[0x30, 0x82, 0x01, 0x0a, 0xff, 0x00])), NetError::CaFileEmpty { .. }));
    let broken = b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(with("broken.pem", Some(broken)), NetError::CaFileInvalid { .. }));
    let unterminated = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
    assert!(matches!(with("cut.pem", Some(unterminated)), NetError::CaFileInvalid { .. }));
    // Valid PEM and base64, but not a certificate.
    let junk = b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    let err = with("junk.pem", Some(junk));
    assert!(matches!(err, NetError::CaCertificate { .. }), "{err}");
}

#[test]
fn insecure_builds_without_reading_ca_files() {
    let absent = PathBuf::from("/nonexistent/ca.pem");
    tls_config(&TlsOptions { insecure: true, ca_files: vec![absent.clone()] }).unwrap();
    // The same options verifying certificates do read it.
    assert!(tls_config(&TlsOptions { insecure: false, ca_files: vec![absent] }).is_err());
    assert!(agent(&TlsOptions::default(), &AgentConfig::default()).is_ok());
}
