//! End-to-end tests of the `customer-api` binary, from outside the process,
//! as the contract (`shared/customer-api.md`) describes it: the real binary
//! on free ports in a temporary working directory, HTTPS clients that trust
//! only its certificate, plain HTTP clients, and tokens minted with
//! `jsonwebtoken`, independently of the app.

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use reqwest::{Certificate, Client, Response, StatusCode};
use serde_json::{Value, json};

/// A test's outcome; `?` turns any failure into a test failure.
type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// The HS256 secret the server under test is started with (32 bytes).
const SECRET: &str = "e2e-secret-0123456789abcdef-0123";
/// The issuer and audience the app requires by default.
const ISSUER: &str = "https://auth.customer-api.test";
/// See [`ISSUER`].
const AUDIENCE: &str = "customer-api";
/// The masked seed customer c-1001, as a non-admin sees it.
const ADA_MASKED: (&str, &str) = ("***-**-4320", "************1111");
/// The seed customer c-1001's SSN and card number, as an admin sees them.
const ADA_CLEAR: (&str, &str) = ("987-65-4320", "4111111111111111");
/// The body of every 404, for an absent customer or someone else's.
const NOT_FOUND_DETAIL: &str = "The resource does not exist.";

/// The binary, running in its own working directory; killed when dropped.
struct Server {
    /// The process.
    child: Child,
    /// Its working directory (where its stderr log and dev cert are).
    dir: PathBuf,
    /// `https://127.0.0.1:<port>`.
    https: String,
    /// `http://127.0.0.1:<port>`.
    http: String,
    /// Everything it printed on stdout until it was ready.
    stdout: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh, empty working directory named after the test.
fn work_dir(test: &str) -> TestResult<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("customer-api-e2e-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The binary with a clean environment: none of the app's or the
/// framework's variables from the caller, both listeners on free ports.
fn command(dir: &PathBuf) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_customer-api"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("SECURE_API_") || name.starts_with("CUSTOMER_API_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir)
        .env("CUSTOMER_API_HTTPS_ADDR", "127.0.0.1:0")
        .env("CUSTOMER_API_HTTP_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info");
    cmd
}

/// Starts the server and waits until it has printed its addresses (and,
/// with `wait_for`, a line containing that text).
fn start(mut cmd: Command, dir: PathBuf, wait_for: Option<&str>) -> TestResult<Server> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(File::create(dir.join("stderr.log"))?)
        .spawn()?;
    let mut server = Server {
        child,
        dir,
        https: String::new(),
        http: String::new(),
        stdout: Vec::new(),
    };
    let stdout = server.child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.https.is_empty()
        || server.http.is_empty()
        || wait_for.is_some_and(|w| !server.stdout.iter().any(|l| l.contains(w)))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).map_err(|_| {
            let log = std::fs::read_to_string(server.dir.join("stderr.log")).unwrap_or_default();
            format!(
                "the server did not get ready; stdout {:?}, stderr:\n{log}",
                server.stdout
            )
        })?;
        if let Some(addr) = line.split("serving the API on https://").nth(1) {
            server.https = format!("https://{}", addr.trim());
        }
        if let Some(addr) = line.split("plain HTTP on http://").nth(1) {
            server.http = format!(
                "http://{}",
                addr.split_whitespace().next().unwrap_or_default()
            );
        }
        server.stdout.push(line);
    }
    Ok(server)
}

/// An HTTPS client that trusts only the server's development certificate
/// and follows no redirects.
fn https_client(server: &Server) -> TestResult<Client> {
    let pem = std::fs::read(server.dir.join(".customer-api/dev-cert.pem"))?;
    Ok(Client::builder()
        .tls_certs_only([Certificate::from_pem(&pem)?])
        .redirect(Policy::none())
        .build()?)
}

/// A plain HTTP client that follows no redirects.
fn http_client() -> TestResult<Client> {
    Ok(Client::builder().redirect(Policy::none()).build()?)
}

/// Seconds since the Unix epoch.
fn now() -> TestResult<u64> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())
}

/// An HS256 token for `sub` with `roles`, valid for 10 minutes, signed with
/// `secret` by `jsonwebtoken`.
fn token_signed_with(secret: &str, sub: &str, roles: &[&str]) -> TestResult<String> {
    let iat = now()?;
    let claims = json!({ "sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "iat": iat, "exp": iat + 600 });
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes())?,
    )?)
}

/// A token signed with [`SECRET`].
fn token(sub: &str, roles: &[&str]) -> TestResult<String> {
    token_signed_with(SECRET, sub, roles)
}

/// One header's value as text ("" when absent).
fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Asserts the secure headers every response carries, and HSTS exactly
/// when the response came over HTTPS.
fn assert_secure_headers(res: &Response, https: bool) {
    let h = res.headers();
    let url = res.url().as_str();
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{url}");
    assert_eq!(header(h, "x-frame-options"), "DENY", "{url}");
    assert_eq!(
        header(h, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'",
        "{url}"
    );
    assert_eq!(header(h, "referrer-policy"), "no-referrer", "{url}");
    assert_eq!(header(h, "cache-control"), "no-store", "{url}");
    assert_eq!(
        header(h, "cross-origin-resource-policy"),
        "same-origin",
        "{url}"
    );
    assert!(
        h.get("server").is_none() && h.get("x-powered-by").is_none(),
        "{url}"
    );
    let hsts = if https {
        "max-age=31536000; includeSubDomains"
    } else {
        ""
    };
    assert_eq!(header(h, "strict-transport-security"), hsts, "{url}");
}

/// Asserts a problem+json answer with `status` and returns its body.
async fn problem(res: Response, status: StatusCode) -> TestResult<Value> {
    let url = res.url().to_string();
    assert_eq!(res.status(), status, "{url}");
    assert_eq!(
        header(res.headers(), "content-type"),
        "application/problem+json",
        "{url}"
    );
    let body: Value = res.json().await?;
    assert_eq!(body["status"], status.as_u16(), "{url}: {body}");
    assert_eq!(
        body["title"],
        status.canonical_reason().unwrap_or_default(),
        "{url}: {body}"
    );
    assert!(
        body["type"].is_string() && body["detail"].is_string(),
        "{url}: {body}"
    );
    Ok(body)
}

/// Waits up to `limit` for the process to exit; kills it after that.
fn wait_for_exit(child: &mut Child, limit: Duration) -> TestResult<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("still running after {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (`TERM`, `INT`) to the process.
fn signal(child: &Child, signal: &str) -> TestResult {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()?;
    assert!(status.success(), "kill -{signal}");
    Ok(())
}

/// One server serves every scenario in turn (they share the store, so the
/// order matters), then SIGINT stops it with status 0.
#[tokio::test]
async fn api_over_https_and_plain_http() -> TestResult {
    let dir = work_dir("api")?;
    let mut cmd = command(&dir);
    cmd.env("SECURE_API_JWT_SECRET", SECRET)
        .env("SECURE_API_TRUSTED_PROXIES", "127.0.0.1");
    let mut server = start(cmd, dir, None)?;
    let client = https_client(&server)?;
    health(&server, &client).await?;
    authentication(&server, &client).await?;
    list(&server, &client).await?;
    read_one(&server, &client).await?;
    create(&server, &client).await?;
    remove(&server, &client).await?;
    versions(&server, &client).await?;
    methods(&server, &client).await?;
    plain_http(&server).await?;

    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    assert!(!log.contains("eyJ"), "a token reached the log");
    assert!(
        !log.contains(ADA_CLEAR.0) && !log.contains(ADA_CLEAR.1),
        "clear PII reached the log"
    );

    // SIGHUP (a service manager's "reload") never ends the process, even
    // with no key file to reload.
    signal(&server.child, "HUP")?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    health(&server, &client).await?;

    signal(&server.child, "INT")?;
    let status = wait_for_exit(&mut server.child, Duration::from_secs(10))?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// `GET /health`: public, `{"status":"ok"}`, secure headers and HSTS.
async fn health(server: &Server, client: &Client) -> TestResult {
    let res = client
        .get(format!("{}/health", server.https))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert_eq!(res.json::<Value>().await?, json!({ "status": "ok" }));
    Ok(())
}

/// 401 with the right challenge for no token and for a bad one; 403
/// `insufficient_scope` for too low a role. Error answers carry the secure
/// headers and HSTS too.
async fn authentication(server: &Server, client: &Client) -> TestResult {
    let url = format!("{}/v1/customers", server.https);
    let res = client.get(&url).send().await?;
    assert_secure_headers(&res, true);
    assert_eq!(
        header(res.headers(), "www-authenticate"),
        r#"Bearer realm="customer-api""#
    );
    problem(res, StatusCode::UNAUTHORIZED).await?;

    let forged = token_signed_with(
        "another-secret-0123456789abcdef-01",
        "dev-admin",
        &["admin"],
    )?;
    let res = client.get(&url).bearer_auth(forged).send().await?;
    assert_eq!(
        header(res.headers(), "www-authenticate"),
        r#"Bearer realm="customer-api", error="invalid_token""#
    );
    problem(res, StatusCode::UNAUTHORIZED).await?;

    let res = client
        .get(format!("{}/nowhere", server.https))
        .send()
        .await?;
    assert_secure_headers(&res, true);
    problem(res, StatusCode::NOT_FOUND).await?;
    Ok(())
}

/// `GET /v1/customers`: masked for a viewer, clear for an admin, `limit`
/// honoured and checked.
async fn list(server: &Server, client: &Client) -> TestResult {
    let url = format!("{}/v1/customers", server.https);
    let viewer = token("c-1001", &["viewer"])?;
    let res = client.get(&url).bearer_auth(&viewer).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    let list: Vec<Value> = res.json().await?;
    let ids: Vec<&str> = list.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["c-1001", "c-1002", "c-1003"]);
    assert_eq!(
        list[0],
        json!({ "id": "c-1001", "name": "Ada Lovelace", "email": "ada@example.com",
                "ssn": ADA_MASKED.0, "card_number": ADA_MASKED.1, "balance_cents": 125000 })
    );
    assert_eq!(
        list[2]["card_number"], "***********0005",
        "every digit but the last 4"
    );

    let admin = token("dev-admin", &["admin"])?;
    let list: Vec<Value> = client
        .get(&url)
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        (list[0]["ssn"].as_str(), list[0]["card_number"].as_str()),
        (Some(ADA_CLEAR.0), Some(ADA_CLEAR.1))
    );

    let two: Vec<Value> = client
        .get(format!("{url}?limit=2"))
        .bearer_auth(&viewer)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(two.len(), 2);
    for bad in ["0", "101", "-1"] {
        let res = client
            .get(format!("{url}?limit={bad}"))
            .bearer_auth(&viewer)
            .send()
            .await?;
        assert_secure_headers(&res, true);
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert_eq!(
            body["errors"],
            json!([{ "field": "limit", "code": "range" }]),
            "limit={bad}"
        );
    }
    Ok(())
}

/// `GET /v1/customers/{id}`: a viewer reads their own record only; someone
/// else's and a missing one get the same 404, for viewers and editors alike.
async fn read_one(server: &Server, client: &Client) -> TestResult {
    let url = |id: &str| format!("{}/v1/customers/{id}", server.https);
    let viewer = token("c-1001", &["viewer"])?;
    let res = client
        .get(url("c-1001"))
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let own: Value = res.json().await?;
    assert_eq!(
        (own["id"].as_str(), own["ssn"].as_str()),
        (Some("c-1001"), Some(ADA_MASKED.0))
    );

    let other = problem(
        client
            .get(url("c-1002"))
            .bearer_auth(&viewer)
            .send()
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    let missing = problem(
        client
            .get(url("c-9999"))
            .bearer_auth(&viewer)
            .send()
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    // The same body but for the request's own id.
    let without_id = |mut body: Value| {
        if let Some(o) = body.as_object_mut() {
            o.remove("request_id");
        }
        body
    };
    assert_ne!(other["request_id"], missing["request_id"]);
    assert_eq!(without_id(other.clone()), without_id(missing));
    assert_eq!(other["detail"], NOT_FOUND_DETAIL);

    let editor = token("dev-editor", &["editor"])?;
    let res = client
        .get(url("c-1002"))
        .bearer_auth(&editor)
        .send()
        .await?;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "an editor reads anyone's record"
    );
    assert_eq!(
        res.json::<Value>().await?["ssn"],
        "***-**-4321",
        "masked for an editor"
    );
    let missing = problem(
        client
            .get(url("c-9999"))
            .bearer_auth(&editor)
            .send()
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    assert_eq!(
        without_id(other),
        without_id(missing),
        "the handler's 404 is the framework's 404"
    );
    Ok(())
}

/// `POST /v1/customers`: 201 with `Location`; 422 with `errors`; 403 for a
/// viewer; 415 for another content type.
async fn create(server: &Server, client: &Client) -> TestResult {
    let url = format!("{}/v1/customers", server.https);
    let editor = token("dev-editor", &["editor"])?;
    let new = json!({ "name": "Edsger Dijkstra", "email": "edsger@example.com", "ssn": "987-65-4323",
                      "card_number": "4012888888881881", "balance_cents": 0 });
    let res = client
        .post(&url)
        .bearer_auth(&editor)
        .json(&new)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_secure_headers(&res, true);
    let location = header(res.headers(), "location").to_owned();
    let created: Value = res.json().await?;
    assert_eq!(
        location,
        format!(
            "/v1/customers/{}",
            created["id"].as_str().unwrap_or_default()
        )
    );
    assert_eq!(created["id"], "c-1004");
    assert_eq!(
        (created["name"].as_str(), created["ssn"].as_str()),
        (Some("Edsger Dijkstra"), Some("***-**-4323"))
    );
    assert_eq!(created["card_number"], "************1881");

    let admin = token("dev-admin", &["admin"])?;
    let stored: Value = client
        .get(format!("{}{location}", server.https))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        stored,
        json!({ "id": "c-1004", "name": "Edsger Dijkstra", "email": "edsger@example.com",
                               "ssn": "987-65-4323", "card_number": "4012888888881881", "balance_cents": 0 })
    );

    let invalid = json!({ "name": "", "email": "not-an-address", "ssn": "987654323",
                          "card_number": "4012888888881882", "balance_cents": -1 });
    let res = client
        .post(&url)
        .bearer_auth(&editor)
        .json(&invalid)
        .send()
        .await?;
    assert_secure_headers(&res, true);
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert_eq!(
        body["errors"],
        json!([
            { "field": "name", "code": "length" },
            { "field": "email", "code": "email" },
            { "field": "ssn", "code": "ssn" },
            { "field": "card_number", "code": "luhn" },
            { "field": "balance_cents", "code": "range" },
        ])
    );
    let mut unknown = new.clone();
    unknown["is_admin"] = json!(true);
    let body = problem(
        client
            .post(&url)
            .bearer_auth(&editor)
            .json(&unknown)
            .send()
            .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(
        body["errors"],
        json!([{ "field": "is_admin", "code": "unknown_field" }])
    );

    let res = client
        .post(&url)
        .bearer_auth(&editor)
        .header("content-type", "text/plain")
        .body(new.to_string())
        .send()
        .await?;
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await?;
    let res = client
        .post(&url)
        .bearer_auth(&editor)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await?;
    problem(res, StatusCode::BAD_REQUEST).await?;

    // The issue's cases, over a real client: one broken rule names one field;
    // an extra `role` is mass assignment and creates nothing; a duplicate key
    // is 400; a wrong type names the field; 64 KiB + 1 is 413; a JSON-like
    // but different media type is 415.
    let post_raw = |body: String, content_type: &'static str| {
        client
            .post(&url)
            .bearer_auth(&editor)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let ann =
        r#""name":"Ann","email":"a@b.test","ssn":"123-45-6789","card_number":"4111111111111111""#;
    let count = |v: Value| v.as_array().map_or(0, Vec::len);
    let admin_list = || {
        client
            .get(format!("{}/v1/customers?limit=100", server.https))
            .bearer_auth(token("root", &["admin"]).unwrap_or_default())
            .send()
    };
    let before = count(admin_list().await?.json().await?);
    let body = problem(
        post_raw(
            format!("{{{ann},\"balance_cents\":-1}}"),
            "application/json",
        )
        .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(
        body["errors"],
        json!([{ "field": "balance_cents", "code": "range" }])
    );
    let body = problem(
        post_raw(
            format!("{{{ann},\"balance_cents\":-1,\"role\":\"admin\"}}"),
            "application/json",
        )
        .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(
        body["errors"]
            .as_array()
            .is_some_and(|e| e.contains(&json!({ "field": "role", "code": "unknown_field" }))),
        "{body}"
    );
    assert_eq!(
        count(admin_list().await?.json().await?),
        before,
        "nothing created"
    );
    let dup = format!("{{\"name\":\"A\",{ann},\"balance_cents\":1}}");
    problem(
        post_raw(dup, "application/json").await?,
        StatusCode::BAD_REQUEST,
    )
    .await?;
    let body = problem(
        post_raw(
            format!("{{{ann},\"balance_cents\":\"5\"}}"),
            "application/json",
        )
        .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(
        body["errors"],
        json!([{ "field": "balance_cents", "code": "invalid_type" }])
    );
    let big = format!(
        "{{{ann},\"balance_cents\":1,\"pad\":\"{}\"}}",
        "x".repeat(64 * 1024)
    );
    problem(
        post_raw(big, "application/json").await?,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await?;
    problem(
        post_raw(
            format!("{{{ann},\"balance_cents\":1}}"),
            "application/vnd.evil+json",
        )
        .await?,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await?;
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    problem(
        post_raw(deep, "application/json").await?,
        StatusCode::BAD_REQUEST,
    )
    .await?;

    let viewer = token("c-1001", &["viewer"])?;
    let res = client
        .post(&url)
        .bearer_auth(&viewer)
        .json(&new)
        .send()
        .await?;
    assert_secure_headers(&res, true);
    assert_eq!(
        header(res.headers(), "www-authenticate"),
        r#"Bearer realm="customer-api", error="insufficient_scope""#
    );
    problem(res, StatusCode::FORBIDDEN).await?;
    Ok(())
}

/// `DELETE /v1/customers/{id}`: 204 for an admin, then 404; 403 for an
/// editor.
async fn remove(server: &Server, client: &Client) -> TestResult {
    let url = format!("{}/v1/customers/c-1003", server.https);
    let editor = token("dev-editor", &["editor"])?;
    problem(
        client.delete(&url).bearer_auth(&editor).send().await?,
        StatusCode::FORBIDDEN,
    )
    .await?;

    let admin = token("dev-admin", &["admin"])?;
    let res = client.delete(&url).bearer_auth(&admin).send().await?;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_secure_headers(&res, true);
    let body = problem(
        client.delete(&url).bearer_auth(&admin).send().await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    assert_eq!(body["detail"], NOT_FOUND_DETAIL);
    problem(
        client.get(&url).bearer_auth(&admin).send().await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

/// `GET /v0/customers`: the v1 answer plus `Deprecation`, `Sunset` and
/// `Link` (on refusals too); `GET /v0/export`: retired, always 410
/// problem+json, whoever asks.
async fn versions(server: &Server, client: &Client) -> TestResult {
    let assert_deprecated = |res: &Response| {
        let h = res.headers();
        assert_eq!(header(h, "deprecation"), "@1767225600");
        assert_eq!(header(h, "sunset"), "Fri, 31 Dec 2027 00:00:00 GMT");
        assert_eq!(
            header(h, "link"),
            r#"<https://docs.customer-api.test/migrate-v1>; rel="deprecation""#
        );
    };
    let viewer = token("c-1001", &["viewer"])?;
    let v1: Value = client
        .get(format!("{}/v1/customers?limit=2", server.https))
        .bearer_auth(&viewer)
        .send()
        .await?
        .json()
        .await?;
    let res = client
        .get(format!("{}/v0/customers?limit=2", server.https))
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert_deprecated(&res);
    assert_eq!(res.json::<Value>().await?, v1, "v0 answers as v1");
    let res = client
        .get(format!("{}/v0/customers", server.https))
        .send()
        .await?;
    assert_deprecated(&res);
    problem(res, StatusCode::UNAUTHORIZED).await?;

    let admin = token("dev-admin", &["admin"])?;
    for req in [
        client.get(format!("{}/v0/export", server.https)),
        client
            .get(format!("{}/v0/export", server.https))
            .bearer_auth(&admin),
        client
            .get(format!("{}/v0/export", server.https))
            .bearer_auth(&viewer),
    ] {
        let res = req.send().await?;
        assert_secure_headers(&res, true);
        assert_eq!(
            header(res.headers(), "sunset"),
            "Mon, 30 Jun 2025 00:00:00 GMT"
        );
        problem(res, StatusCode::GONE).await?;
    }
    Ok(())
}

/// A method a path does not serve: 405 with `Allow`; `HEAD` is authorised
/// like `GET` and answers without a body.
async fn methods(server: &Server, client: &Client) -> TestResult {
    let res = client
        .put(format!("{}/v1/customers", server.https))
        .send()
        .await?;
    assert_secure_headers(&res, true);
    assert_eq!(header(res.headers(), "allow"), "GET, HEAD, POST");
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await?;
    let res = client
        .patch(format!("{}/v1/customers/c-1001", server.https))
        .send()
        .await?;
    assert_eq!(header(res.headers(), "allow"), "GET, HEAD, DELETE");
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await?;

    let url = format!("{}/v1/customers/c-1001", server.https);
    let res = client.head(&url).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = client
        .head(&url)
        .bearer_auth(token("c-1001", &["viewer"])?)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert!(res.bytes().await?.is_empty());
    Ok(())
}

/// Plain HTTP: GET and HEAD without credentials are redirected to the same
/// path and query on HTTPS; credentials (header or query) and other methods
/// get 403 problem+json, logged as a security event; never HSTS.
async fn plain_http(server: &Server) -> TestResult {
    let client = http_client()?;
    let https_authority = server.https.trim_start_matches("https://");
    for req in [
        client.get(format!("{}/v1/customers?limit=2", server.http)),
        client.head(format!("{}/v1/customers?limit=2", server.http)),
    ] {
        let res = req.send().await?;
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
        assert_secure_headers(&res, false);
        assert_eq!(
            header(res.headers(), "location"),
            format!("https://{https_authority}/v1/customers?limit=2")
        );
    }
    let viewer = token("c-1001", &["viewer"])?;
    for req in [
        client
            .get(format!("{}/v1/customers", server.http))
            .bearer_auth(&viewer),
        client
            .get(format!("{}/health", server.http))
            .header("X-API-Key", "k"),
        client.get(format!("{}/v1/customers?Access_Token=abc", server.http)),
        client
            .post(format!("{}/v1/customers", server.http))
            .json(&json!({})),
        client.delete(format!("{}/v1/customers/c-1001", server.http)),
    ] {
        let res = req.send().await?;
        assert_secure_headers(&res, false);
        let body = problem(res, StatusCode::FORBIDDEN).await?;
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("HTTPS"),
            "{body}"
        );
    }
    // From a trusted proxy (this test runs with 127.0.0.1 trusted),
    // `X-Forwarded-Proto: https` counts as HTTPS: the API is served, with HSTS.
    let res = client
        .get(format!("{}/v1/customers/c-1001", server.http))
        .header("X-Forwarded-Proto", "https")
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert_eq!(res.json::<Value>().await?["ssn"], ADA_MASKED.0);
    // Only the configured header (X-Forwarded-Proto by default) is read: a
    // client's own `Forwarded: proto=https` passed through the proxy next to
    // the proxy's `X-Forwarded-Proto: http` is plain HTTP.
    let res = client
        .get(format!("{}/v1/customers/c-1001", server.http))
        .header("Forwarded", "for=192.0.2.7;proto=https")
        .header("X-Forwarded-Proto", "http")
        .bearer_auth(&viewer)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_secure_headers(&res, false);
    let res = client
        .get(format!("{}/nowhere", server.http))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await?;
    problem(res, StatusCode::NOT_FOUND).await?;

    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    let events = log
        .lines()
        .filter(|l| {
            l.contains(r#""security_event":true"#)
                && (l.contains(r#""security_event_kind":"credentials_over_plain_http""#)
                    || l.contains(r#""security_event_kind":"plain_http_refused""#))
        })
        .count();
    assert_eq!(events, 6, "one security event per refusal");
    assert!(
        !log.contains("Access_Token=abc"),
        "a credential in the query reached the log"
    );
    Ok(())
}

/// The members every audit line has (the contract's "Audit log").
const AUDIT_MEMBERS: [&str; 11] = [
    "ts",
    "request_id",
    "client_ip",
    "method",
    "path",
    "route",
    "principal",
    "outcome",
    "status",
    "latency_us",
    "security_event",
];

/// The server's stderr so far, each line parsed as JSON; a line that is
/// not a JSON object (a forged or broken line) fails the test.
fn log_lines(server: &Server) -> TestResult<Vec<Value>> {
    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    log.lines()
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(format!("a log line that is not a JSON object: {l:?}").into()),
        })
        .collect()
}

/// The audit line of the request `id`: exactly one, with every member.
fn audit_line(lines: &[Value], id: &str) -> TestResult<Value> {
    let found: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("ts").is_some() && l["request_id"] == id)
        .collect();
    assert_eq!(found.len(), 1, "audit lines of {id}: {found:?}");
    let line = found[0].clone();
    for member in AUDIT_MEMBERS {
        assert!(line.get(member).is_some(), "{member} missing: {line}");
    }
    Ok(line)
}

/// Sends `request` as raw bytes to `addr` and returns the status line of
/// the answer.
fn raw_request(addr: &str, request: &[u8]) -> TestResult<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request)?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    Ok(answer.lines().next().unwrap_or_default().to_owned())
}

/// The audit log on stderr, request ids, `/metrics` and alerts, from
/// outside the process (the contract's "Audit log"; issue 7).
#[tokio::test]
async fn audit_log_metrics_and_alerts() -> TestResult {
    let dir = work_dir("audit")?;
    let mut cmd = command(&dir);
    cmd.env("SECURE_API_JWT_SECRET", SECRET);
    let server = start(cmd, dir, None)?;
    let client = https_client(&server)?;
    let viewer = token("c-1001", &["viewer"])?;
    let other = token("c-1002", &["viewer"])?;
    let admin = token("dev-admin", &["admin"])?;
    let editor = token("dev-editor", &["editor"])?;

    // A token in the header and another in the query: 400; the query is
    // logged with the credential's value redacted and the rest intact.
    let res = client
        .get(format!(
            "{}/v1/customers?limit=2&access_token={other}&page=1",
            server.https
        ))
        .bearer_auth(&viewer)
        .header("X-Request-Id", "e2e-query")
        .send()
        .await?;
    assert_eq!(header(res.headers(), "x-request-id"), "e2e-query");
    let body = problem(res, StatusCode::BAD_REQUEST).await?;
    assert_eq!(body["request_id"], "e2e-query");

    // Served, with the client's id kept.
    let res = client
        .get(format!("{}/v1/customers/c-1001", server.https))
        .bearer_auth(&viewer)
        .header("X-Request-Id", "e2e-served")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(res.headers(), "x-request-id"), "e2e-served");

    // A request id with an escaped CR LF and JSON: not echoed.
    let res = client
        .get(format!("{}/health", server.https))
        .header("X-Request-Id", r#"x\r\n{"forged":true}"#)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let generated = header(res.headers(), "x-request-id").to_owned();
    assert!(
        !generated.contains("forged") && generated.len() == 36,
        "{generated}"
    );
    // A real CR LF ends the header: the next "header" is not one, and the
    // HTTP parser refuses the request before the app sees it.
    let http_addr = server.http.trim_start_matches("http://");
    let status = raw_request(
        http_addr,
        b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: abc\r\n{\"forged\":true}\r\nConnection: close\r\n\r\n",
    )?;
    assert!(status.contains(" 400 "), "{status}");
    // The plain HTTP listener logs its answers too.
    let res = http_client()?
        .get(format!("{}/v1/customers?limit=2", server.http))
        .header("X-Request-Id", "e2e-plain")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);

    // A validation failure on a card number: 422, the number in no line.
    let res = client
        .post(format!("{}/v1/customers", server.https))
        .bearer_auth(&editor)
        .header("X-Request-Id", "e2e-card")
        .json(
            &json!({ "name": "Eve", "email": "eve@example.com", "ssn": "123-45-6789",
                       "card_number": "4012888888881882", "balance_cents": 0 }),
        )
        .send()
        .await?;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await?;

    // `/metrics`: admins only, the Prometheus text format.
    let metrics = format!("{}/metrics", server.https);
    problem(client.get(&metrics).send().await?, StatusCode::UNAUTHORIZED).await?;
    problem(
        client.get(&metrics).bearer_auth(&viewer).send().await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    let res = client.get(&metrics).bearer_auth(&admin).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert_eq!(
        header(res.headers(), "content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await?;
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))?;
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .and_then(|s| match s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => {
                    Some(v)
                }
                _ => None,
            })
    };
    // prometheus-parse skips a line whose label value holds a `}`: look
    // for the exact line (the encoder sorts labels by name).
    assert!(
        text.lines().any(|l| l
            == r#"secure_api_requests_total{method="GET",outcome="allowed",route="/v1/customers/{id}",status="200"} 1"#),
        "{text}"
    );
    assert_eq!(
        value(
            "secure_api_requests_total",
            &[("route", "/v1/customers"), ("status", "308")]
        ),
        Some(1.0),
        "the plain listener counts in the same registry: {text}"
    );
    assert_eq!(
        value(
            "secure_api_security_events_total",
            &[("kind", "credential_in_url")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            "secure_api_security_events_total",
            &[("kind", "authorization_denial")]
        ),
        Some(1.0),
        "the viewer's scrape"
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "secure_api_request_duration_seconds"
                && matches!(s.value, prometheus_parse::Value::Histogram(_)))
    );

    // 25 bad tokens from one IP: exactly one alert for it, and one page.
    // (Last: the 20th failure locks this client out for a minute.)
    for i in 0..25 {
        let res = client
            .get(format!("{}/v1/customers", server.https))
            .bearer_auth(format!("{viewer}x"))
            .header("X-Request-Id", format!("e2e-bad-{i}"))
            .send()
            .await?;
        let expected = if i < 20 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status(), expected, "bad token {i}");
    }

    let lines = log_lines(&server)?;
    let line = audit_line(&lines, "e2e-query")?;
    assert_eq!(
        line["path"],
        "/v1/customers?limit=2&access_token=[REDACTED]&page=1"
    );
    assert_eq!(
        (&line["outcome"], &line["status"], &line["security_event"]),
        (&json!("invalid_input"), &json!(400), &json!(true))
    );
    let line = audit_line(&lines, "e2e-served")?;
    assert_eq!(
        (
            &line["route"],
            &line["principal"],
            &line["outcome"],
            &line["security_event"]
        ),
        (
            &json!("/v1/customers/{id}"),
            &json!("c-1001"),
            &json!("allowed"),
            &json!(false)
        )
    );
    assert_eq!(line["client_ip"], "127.0.0.1");
    let ts = line["ts"].as_str().unwrap_or_default();
    assert!(
        ts.ends_with('Z') && ts.len() == 27 && &ts[10..11] == "T",
        "{ts}"
    );
    audit_line(&lines, &generated)?;
    let line = audit_line(&lines, "e2e-plain")?;
    assert_eq!(
        (&line["status"], &line["route"]),
        (&json!(308), &json!("/v1/customers"))
    );
    let line = audit_line(&lines, "e2e-card")?;
    assert_eq!(
        (&line["outcome"], &line["status"]),
        (&json!("invalid_input"), &json!(422))
    );
    let line = audit_line(&lines, "e2e-bad-0")?;
    assert_eq!(
        (
            &line["outcome"],
            &line["principal"],
            &line["security_event"]
        ),
        (&json!("unauthenticated"), &Value::Null, &json!(true))
    );
    assert_eq!(audit_line(&lines, "e2e-bad-24")?["outcome"], "rate_limited");
    // Every request of this test has its line (the raw one never reached the app).
    let audited = lines.iter().filter(|l| l.get("ts").is_some()).count();
    assert_eq!(audited, 5 + 3 + 25, "one line per request");

    let alerts: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "secure_api::alert")
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["fields"]["client_ip"], "127.0.0.1");
    assert_eq!(alerts[0]["fields"]["count"], 20);
    assert_eq!(alerts[0]["fields"]["alert"], "authentication_failures");
    let pages = lines
        .iter()
        .filter(|l| l["target"] == "customer_api::pager")
        .count();
    assert_eq!(pages, 1);

    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    for secret in [&viewer, &other, &admin, &editor] {
        assert!(!log.contains(secret.as_str()), "a token reached the log");
    }
    assert!(!log.contains("eyJ"), "a piece of a token reached the log");
    assert!(
        !log.contains("4012888888881882"),
        "a card number reached the log"
    );
    assert!(!log.contains("123-45-6789"), "an SSN reached the log");
    assert!(!log.contains("forged"), "a forged id reached the log");
    Ok(())
}

/// `customer-api token` prints only a token that an independent verifier
/// accepts; without a secret it fails naming `SECURE_API_JWT_SECRET`.
#[test]
fn token_subcommand() -> TestResult {
    let dir = work_dir("token")?;
    let out = command(&dir)
        .env("SECURE_API_JWT_SECRET", SECRET)
        .args([
            "token",
            "--sub",
            "c-1002",
            "--role",
            "viewer",
            "--role",
            "reporting",
            "--ttl",
            "90s",
        ])
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout)?;
    assert_eq!(stdout.lines().count(), 1, "only the token: {stdout}");

    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let claims = jsonwebtoken::decode::<Value>(
        stdout.trim(),
        &DecodingKey::from_secret(SECRET.as_bytes())?,
        &validation,
    )?
    .claims;
    assert_eq!(claims["sub"], "c-1002");
    assert_eq!(claims["roles"], json!(["viewer", "reporting"]));
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap_or(0),
        claims["exp"].as_u64().unwrap_or(0),
    );
    assert_eq!(exp - iat, 90);
    assert!(iat.abs_diff(now()?) < 60);

    let out = command(&dir)
        .args(["token", "--sub", "x", "--role", "admin"])
        .output()?;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr)?;
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SECURE_API_JWT_SECRET"), "{stderr}");

    let out = command(&dir)
        .env("SECURE_API_JWT_SECRET", SECRET)
        .args(["token", "--sub", "x", "--role", "root"])
        .output()?;
    assert!(!out.status.success(), "an undeclared role is refused");
    Ok(())
}

/// `customer-api api-key new` prints a key once and its `[[keys]]` entry;
/// with that file, the key reads `GET /v1/reports/summary`, and a second
/// key added while the server runs works without a restart, beside the
/// first. Keys never reach the log.
#[tokio::test]
async fn api_keys_and_the_summary() -> TestResult {
    let dir = work_dir("api-keys")?;
    let new_key = |id: &str, extra: &[&str]| -> TestResult<(String, String)> {
        let out = command(&dir)
            .args(["api-key", "new", "--id", id, "--role", "reporting"])
            .args(extra)
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout)?;
        let (key, entry) = stdout.split_once("\n\n").ok_or("no blank line")?;
        assert!(key.starts_with("sapi_") && key.len() == 69, "{key}");
        assert!(!entry.contains(key), "the entry holds the key itself");
        Ok((key.to_owned(), entry.to_owned()))
    };
    let (key, entry) = new_key("reports-bot", &["--scope", "reports:read"])?;
    assert!(entry.contains("scopes = [\"reports:read\"]"), "{entry}");
    let (expired, expired_entry) = new_key("old-bot", &["--not-after", "2020-01-01T00:00:00Z"])?;
    let write = |content: &str| -> TestResult {
        std::fs::write(dir.join("keys.new"), content)?;
        std::fs::rename(dir.join("keys.new"), dir.join("keys.toml"))?;
        Ok(())
    };
    write(&format!("{entry}{expired_entry}"))?;

    let mut cmd = command(&dir);
    cmd.env("SECURE_API_JWT_SECRET", SECRET)
        .env("SECURE_API_API_KEYS_FILE", "keys.toml");
    let server = start(cmd, dir.clone(), None)?;
    let client = https_client(&server)?;
    let url = format!("{}/v1/reports/summary", server.https);
    let with_key = |k: &str| client.get(&url).header("x-api-key", k).send();

    let res = with_key(&key).await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_secure_headers(&res, true);
    assert_eq!(
        res.json::<Value>().await?,
        json!({ "customers": 3, "total_balance_cents": 533_050 })
    );
    // The key in the query: 400, whatever else the request holds.
    let res = client.get(format!("{url}?api_key={key}")).send().await?;
    problem(res, StatusCode::BAD_REQUEST).await?;
    // Expired, or one character changed: 401 invalid_token.
    let mut near_miss = key.clone();
    near_miss.replace_range(20..21, if &key[20..21] == "a" { "b" } else { "a" });
    for bad in [expired.as_str(), near_miss.as_str()] {
        let res = with_key(bad).await?;
        assert_eq!(
            header(res.headers(), "www-authenticate"),
            r#"Bearer realm="customer-api", error="invalid_token""#
        );
        problem(res, StatusCode::UNAUTHORIZED).await?;
    }
    // JWTs: admin yes; reporting, editor and viewer no; nothing at all 401.
    let bearer = |t: String| client.get(&url).bearer_auth(t).send();
    assert_eq!(
        bearer(token("root", &["admin"])?).await?.status(),
        StatusCode::OK
    );
    for role in ["reporting", "editor", "viewer"] {
        let res = bearer(token("someone", &[role])?).await?;
        problem(res, StatusCode::FORBIDDEN).await?;
    }
    problem(client.get(&url).send().await?, StatusCode::UNAUTHORIZED).await?;
    // An API key is no way into the customer routes.
    let res = client
        .get(format!("{}/v1/customers", server.https))
        .header("x-api-key", &key)
        .send()
        .await?;
    problem(res, StatusCode::UNAUTHORIZED).await?;

    // Rotation: add a second key for the same id while serving.
    let (second, second_entry) = new_key("reports-bot", &[])?;
    write(&format!("{entry}{expired_entry}{second_entry}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while with_key(&second).await?.status() != StatusCode::OK {
        assert_eq!(
            with_key(&key).await?.status(),
            StatusCode::OK,
            "the old key failed"
        );
        assert!(Instant::now() < deadline, "the new key never came in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Retire the first key; SIGHUP reloads at once and does not stop the server.
    write(&second_entry)?;
    signal(&server.child, "HUP")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while with_key(&key).await?.status() != StatusCode::UNAUTHORIZED {
        assert!(Instant::now() < deadline, "the retired key kept working");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(with_key(&second).await?.status(), StatusCode::OK);

    // The audit line tells the two keys of `reports-bot` apart by the start
    // of their SHA-256, as written in the key file.
    for (k, e, id) in [
        (&key, &entry, "rotation-old"),
        (&second, &second_entry, "rotation-new"),
    ] {
        let res = client
            .get(&url)
            .header("x-api-key", k)
            .header("x-request-id", id)
            .send()
            .await?;
        assert_eq!(
            res.status(),
            if id == "rotation-old" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            }
        );
        let sha256 = e.split("sha256 = \"").nth(1).ok_or("no sha256")?;
        let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
        let line: Value = log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["request_id"] == id)
            .ok_or("no audit line")?;
        if id == "rotation-new" {
            assert_eq!(line["principal"], "reports-bot", "{line}");
            assert_eq!(line["auth_method"], "api_key", "{line}");
            assert_eq!(line["api_key_sha256"], &sha256[..12], "{line}");
        } else {
            assert_eq!(line["outcome"], "unauthenticated", "{line}");
            assert_eq!(line["api_key_sha256"], Value::Null, "{line}");
        }
    }

    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    for k in [&key, &expired, &second, &near_miss] {
        assert!(!log.contains(k.as_str()), "an API key reached the log");
    }
    Ok(())
}

/// With no key configured: a loud warning, one working token per role on
/// stdout; then SIGTERM, with an idle keep-alive connection open, stops the
/// process with status 0 within 10 seconds.
#[tokio::test]
async fn development_mode_then_sigterm() -> TestResult {
    let dir = work_dir("dev")?;
    let mut server = start(command(&dir), dir, Some("-X DELETE"))?;
    let log = std::fs::read_to_string(server.dir.join("stderr.log"))?;
    assert!(log.contains("DEVELOPMENT MODE"), "{log}");
    let token = |var: &str| {
        let line = server
            .stdout
            .iter()
            .find(|l| l.contains(&format!("export {var}=")))
            .cloned()
            .unwrap_or_default();
        line.split('\'').nth(1).unwrap_or_default().to_owned()
    };
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.contains("curl --cacert .customer-api/dev-cert.pem"))
    );

    let client = https_client(&server)?;
    let own = client
        .get(format!("{}/v1/customers/c-1001", server.https))
        .bearer_auth(token("VIEWER_TOKEN"))
        .send()
        .await?;
    assert_eq!(own.status(), StatusCode::OK);
    let list = client
        .get(format!("{}/v1/customers", server.https))
        .bearer_auth(token("EDITOR_TOKEN"))
        .send()
        .await?;
    assert_eq!(list.status(), StatusCode::OK);
    let admin: Vec<Value> = client
        .get(format!("{}/v1/customers", server.https))
        .bearer_auth(token("ADMIN_TOKEN"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(admin[0]["ssn"], ADA_CLEAR.0);
    assert!(
        !log.contains(&token("ADMIN_TOKEN")),
        "tokens go to stdout, not to the log"
    );

    // No proxy is trusted here: `X-Forwarded-Proto` is ignored.
    let res = http_client()?
        .get(format!("{}/v1/customers/c-1001", server.http))
        .header("X-Forwarded-Proto", "https")
        .bearer_auth(token("VIEWER_TOKEN"))
        .send()
        .await?;
    assert_secure_headers(&res, false);
    problem(res, StatusCode::FORBIDDEN).await?;

    signal(&server.child, "TERM")?;
    let status = wait_for_exit(&mut server.child, Duration::from_secs(10))?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// SIGTERM while a request is still uploading its body: the request is
/// answered (201), then the process exits with status 0 within 10 seconds.
/// The request comes through the plain HTTP listener from a trusted proxy
/// (served as HTTPS), while the HTTPS listener is idle: neither listener's
/// stop may cut the other's requests short.
#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() -> TestResult {
    use std::io::{Read, Write};
    let dir = work_dir("sigterm-in-flight")?;
    let mut cmd = command(&dir);
    cmd.env("SECURE_API_JWT_SECRET", SECRET)
        .env("SECURE_API_TRUSTED_PROXIES", "127.0.0.1");
    let mut server = start(cmd, dir, None)?;
    let body = json!({
        "name": "Barbara Liskov",
        "email": "barbara@example.com",
        "ssn": "987-65-4399",
        "card_number": "4012888888881881",
        "balance_cents": 0
    })
    .to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let addr = server.http.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "POST /v1/customers HTTP/1.1\r\nHost: {addr}\r\nX-Forwarded-Proto: https\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        token("e-1", &["editor"])?,
        body.len()
    )?;
    stream.flush()?;
    // `100 Continue`: the server has the request in hand.
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim)?;
    assert!(interim.starts_with(b"HTTP/1.1 100 Continue"), "{interim:?}");
    stream.write_all(first.as_bytes())?;
    stream.flush()?;
    signal(&server.child, "TERM")?;
    // Longer than it takes an idle listener to stop.
    std::thread::sleep(Duration::from_millis(1_500));
    stream.write_all(rest.as_bytes())?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer:?}");
    let status = wait_for_exit(&mut server.child, Duration::from_secs(10))?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// Operator-provided PEM files are served instead of a development
/// certificate, and no development certificate is written.
#[tokio::test]
async fn operator_certificate() -> TestResult {
    let dir = work_dir("operator-cert")?;
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])?;
    std::fs::write(dir.join("cert.pem"), generated.cert.pem())?;
    std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem())?;
    let mut cmd = command(&dir);
    cmd.env("SECURE_API_JWT_SECRET", SECRET)
        .env("CUSTOMER_API_TLS_CERT", "cert.pem")
        .env("CUSTOMER_API_TLS_KEY", "key.pem");
    let server = start(cmd, dir, None)?;
    assert!(!server.dir.join(".customer-api").exists());
    let client = Client::builder()
        .tls_certs_only([Certificate::from_pem(generated.cert.pem().as_bytes())?])
        .build()?;
    let res = client
        .get(format!("{}/health", server.https))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    Ok(())
}

/// A bad value stops start-up: exit status non-zero, one line on stderr
/// that names the variable (and the file).
/// The contract's "Several replicas": two processes sharing one Redis
/// (`SECURE_API_TEST_REDIS_URL`, set by `.ci/run`) hold one quota between
/// them. Skipped, saying so, without that variable.
#[tokio::test]
async fn two_replicas_share_one_quota_through_redis() -> TestResult {
    let Ok(redis) = std::env::var("SECURE_API_TEST_REDIS_URL") else {
        eprintln!(
            "two_replicas_share_one_quota_through_redis: skipped: SECURE_API_TEST_REDIS_URL is not set (no redis-server)"
        );
        return Ok(());
    };
    let mut replicas = Vec::new();
    for n in 0..2 {
        let dir = work_dir(&format!("replica-{n}"))?;
        let mut cmd = command(&dir);
        cmd.env("SECURE_API_JWT_SECRET", SECRET)
            .env("SECURE_API_REDIS_URL", &redis);
        replicas.push(start(cmd, dir, None)?);
    }
    let clients = [https_client(&replicas[0])?, https_client(&replicas[1])?];
    // A caller no other run has used: the quota is 100 per 15 minutes.
    let sub = format!("replica-test-{}-{}", std::process::id(), now()?);
    let viewer = token(&sub, &["viewer"])?;
    let get = |n: usize| {
        clients[n % 2]
            .get(format!("{}/v1/customers", replicas[n % 2].https))
            .bearer_auth(&viewer)
            .send()
    };
    for n in 0..100 {
        let res = get(n).await?;
        assert_eq!(res.status(), StatusCode::OK, "request {n}");
    }
    for n in 100..102 {
        let res = get(n).await?;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "request {n}");
        assert!(header(res.headers(), "retry-after").parse::<u64>().is_ok());
    }
    for (server, client) in replicas.iter().zip(&clients) {
        health(server, client).await?;
    }
    Ok(())
}

#[test]
fn bad_configuration_stops_start_up() -> TestResult {
    let dir = work_dir("bad-config")?;
    /// Variables to set, and the words the error line must contain.
    type Case = (
        &'static [(&'static str, &'static str)],
        &'static [&'static str],
    );
    std::fs::write(dir.join("bad-keys.toml"), "not toml [[\n")?;
    std::fs::write(
        dir.join("typo-keys.toml"),
        format!(
            "[[keys]]\nid = \"bot\"\nsha256 = \"{}\"\nroles = [\"reportng\"]\n",
            "0".repeat(64)
        ),
    )?;
    let cases: [Case; 16] = [
        (
            &[("SECURE_API_API_KEYS_FILE", "missing.toml")],
            &["SECURE_API_API_KEYS_FILE", "missing.toml"],
        ),
        (
            &[("SECURE_API_API_KEYS_FILE", "bad-keys.toml")],
            &["SECURE_API_API_KEYS_FILE", "line 1"],
        ),
        (
            &[("SECURE_API_API_KEYS_FILE", "typo-keys.toml")],
            &["SECURE_API_API_KEYS_FILE", "reportng"],
        ),
        (&[("RUST_LOG", "[[[")], &["RUST_LOG"]),
        (
            &[("SECURE_API_JWKS_URL", "http://idp.example.test/jwks.json")],
            &["SECURE_API_JWKS_URL", "https"],
        ),
        (
            &[("SECURE_API_JWKS_TTL_SECONDS", "5m")],
            &["SECURE_API_JWKS_TTL_SECONDS"],
        ),
        (
            &[("CUSTOMER_API_HTTPS_ADDR", "localhost")],
            &["CUSTOMER_API_HTTPS_ADDR"],
        ),
        (
            &[("CUSTOMER_API_HTTP_ADDR", "127.0.0.1:99999")],
            &["CUSTOMER_API_HTTP_ADDR"],
        ),
        (
            &[("CUSTOMER_API_TLS_CERT", "missing.pem")],
            &["CUSTOMER_API_TLS_KEY"],
        ),
        (
            &[
                ("CUSTOMER_API_TLS_CERT", "missing.pem"),
                ("CUSTOMER_API_TLS_KEY", "key.pem"),
            ],
            &["CUSTOMER_API_TLS_CERT", "missing.pem"],
        ),
        (
            &[("SECURE_API_JWT_SECRET", "short")],
            &["SECURE_API_JWT_SECRET"],
        ),
        (
            &[("SECURE_API_JWT_LEEWAY_SECONDS", "soon")],
            &["SECURE_API_JWT_LEEWAY_SECONDS"],
        ),
        (
            &[
                ("SECURE_API_CORS_ORIGINS", "*"),
                ("SECURE_API_CORS_ALLOW_CREDENTIALS", "true"),
            ],
            &["SECURE_API_CORS_ORIGINS", "credentials"],
        ),
        (
            &[("SECURE_API_CORS_ORIGINS", "https://app.example.test/path")],
            &["SECURE_API_CORS_ORIGINS", "https://app.example.test/path"],
        ),
        (
            &[("SECURE_API_ALERT_AUTH_FAILURES", "many")],
            &["SECURE_API_ALERT_AUTH_FAILURES", "many"],
        ),
        (
            &[("SECURE_API_ALERT_WINDOW_SECONDS", "0")],
            &["SECURE_API_ALERT_WINDOW_SECONDS"],
        ),
    ];
    for (vars, expected) in cases {
        let mut cmd = command(&dir);
        cmd.envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        let status = wait_for_exit(&mut child, Duration::from_secs(10))?;
        let out = child.wait_with_output()?;
        let stderr = String::from_utf8(out.stderr)?;
        assert!(!status.success(), "{vars:?}");
        let errors: Vec<&str> = stderr.lines().filter(|l| !l.starts_with('{')).collect();
        assert_eq!(errors.len(), 1, "{vars:?}: {stderr}");
        for word in expected {
            assert!(errors[0].contains(word), "{vars:?}: {stderr}");
        }
    }
    Ok(())
}
