//! The audit trail over a real HTTP server, for requests that end early: a panicking handler, a client
//! that disconnects mid-body, a client that disconnects while the handler
//! runs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, Responder, get, post, web};
use secure_api::{Security, SecurityConfig, secure};
use secure_api_tests::logs::Captured;
use secure_api_tests::{AUDIENCE, ISSUER, SECRET, token};
use serde_json::Value;
use tracing_subscriber::prelude::*;

secure_api::roles! { admin > editor > viewer; }

static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);
static SLOW_FINISHED: AtomicUsize = AtomicUsize::new(0);

#[secure(public)]
#[get("/panic")]
async fn panics() -> impl Responder {
    #[allow(clippy::panic)]
    {
        panic!("handler bug");
    }
    #[allow(unreachable_code)]
    "never"
}

#[secure(role = "viewer")]
#[get("/slow")]
async fn slow() -> impl Responder {
    SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    SLOW_FINISHED.fetch_add(1, Ordering::SeqCst);
    "slow"
}

#[secure(role = "editor", unvalidated(body))]
#[post("/echo")]
async fn echo(body: web::Json<Value>) -> impl Responder {
    HttpResponse::Ok().json(body.into_inner())
}

#[secure(public)]
#[get("/ok")]
async fn ok() -> impl Responder {
    "ok"
}

fn config() -> SecurityConfig {
    SecurityConfig::builder()
        .realm("customer-api")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .jwt_secret(SECRET)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn start() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let security = Security::new(config());
            let server = HttpServer::new(move || {
                App::new()
                    .service(panics)
                    .service(slow)
                    .service(echo)
                    .service(ok)
                    .wrap(security.clone())
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap_or_else(|e| panic!("{e}"));
            let _ = tx.send(server.addrs()[0]);
            let _ = server.run().await;
        });
    });
    rx.recv().unwrap_or_else(|e| panic!("{e}"))
}

fn raw(addr: SocketAddr, request: &str, read: bool) -> String {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(3))).ok();
    s.write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    if read {
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        out = String::from_utf8_lossy(&buf).into_owned();
    }
    drop(s);
    out
}

#[test]
fn requests_that_end_early_still_leave_an_audit_line() {
    let logs = Captured::default();
    tracing_subscriber::registry()
        .with(secure_api::audit::layer(logs.clone()))
        .init();
    let addr = start();
    std::thread::sleep(Duration::from_millis(300));

    // Control: a normal request is audited.
    let res = raw(
        addr,
        "GET /ok HTTP/1.1\r\nHost: x\r\nX-Request-Id: ctl-1\r\nConnection: close\r\n\r\n",
        true,
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");

    // 1. A panicking handler.
    let res = raw(
        addr,
        "GET /panic HTTP/1.1\r\nHost: x\r\nX-Request-Id: panic-1\r\nConnection: close\r\n\r\n",
        true,
    );
    assert!(res.starts_with("HTTP/1.1 500"), "{res}");
    assert!(res.contains("application/problem+json"), "{res}");
    let res = raw(
        addr,
        "GET /ok HTTP/1.1\r\nHost: x\r\nX-Request-Id: after-panic\r\nConnection: close\r\n\r\n",
        true,
    );
    eprintln!("after panic: {:?}", res.lines().next());

    // 2. Authenticated editor, body announced but cut off: disconnect mid-body.
    let editor = token("ed-1", &["editor"]);
    raw(
        addr,
        &format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: cut-1\r\nAuthorization: Bearer {editor}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\":"
        ),
        false,
    );

    // 3. Viewer: handler starts, client leaves before it answers.
    let viewer = token("c-1", &["viewer"]);
    raw(
        addr,
        &format!(
            "GET /slow HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\nAuthorization: Bearer {viewer}\r\n\r\n"
        ),
        false,
    );
    std::thread::sleep(Duration::from_millis(1500));

    let ids: Vec<String> = logs
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["target"] == "secure_api::audit")
        .map(|l| l["request_id"].as_str().unwrap_or("").to_owned())
        .collect();
    eprintln!("audited ids: {ids:?}");
    for l in logs
        .text()
        .lines()
        .filter(|l| l.contains("cut-1") || l.contains("slow-1"))
    {
        eprintln!("{l}");
    }
    eprintln!(
        "slow handler started {} finished {}",
        SLOW_STARTED.load(Ordering::SeqCst),
        SLOW_FINISHED.load(Ordering::SeqCst)
    );
    let mut missing = Vec::new();
    for id in ["ctl-1", "panic-1", "cut-1", "slow-1"] {
        if !ids.iter().any(|i| i == id) {
            missing.push(id);
        }
    }
    assert!(
        missing.is_empty(),
        "requests with no audit line: {missing:?}"
    );
}
