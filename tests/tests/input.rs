//! Validated input: every JSON, form, query and struct path argument of a
//! `#[secure]` handler is parsed strictly and validated before the handler
//! runs (OWASP API3:2023 mass assignment, API4:2023).

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::{App, HttpResponse, Responder, get, post, web};
use secure_api::{Input, Security, secure};
use secure_api_tests::{Answer, config, send, token};
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

secure_api::roles! { admin > editor > viewer; reporting; }

/// How many times a handler body ran: it must not run for refused input.
static CREATED: AtomicUsize = AtomicUsize::new(0);

#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    #[validate(length(min = 1, max = 100))]
    name: String,
    #[validate(email)]
    email: String,
    #[validate(length(min = 11, max = 11))]
    ssn: String,
    #[validate(length(min = 12, max = 19))]
    card_number: String,
    #[validate(range(min = 0))]
    balance_cents: i64,
}

#[derive(Deserialize, Validate, Input)]
#[serde(rename_all = "camelCase")]
struct Signup {
    #[validate(length(min = 12))]
    password: String,
    #[serde(rename = "displayName")]
    #[validate(length(max = 10))]
    display_name: String,
    #[validate(nested)]
    home_address: Address,
    #[validate(nested)]
    items: Vec<Item>,
    /// Free-form data: no rules, but still no duplicate keys inside.
    extra: Option<Value>,
}

#[derive(Deserialize, Validate, Input)]
struct Address {
    #[validate(length(min = 5, max = 5))]
    postal: String,
}

#[derive(Deserialize, Validate, Input)]
struct Item {
    #[validate(nested)]
    address: Address,
    #[validate(range(min = 1))]
    quantity: u32,
}

#[derive(Deserialize, Validate, Input)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
}

#[derive(Deserialize, Validate, Input)]
struct CustomerPath {
    #[validate(length(min = 3, max = 8))]
    id: String,
}

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[secure(role = "editor")]
#[post("/customers")]
async fn create(body: web::Json<NewCustomer>) -> impl Responder {
    CREATED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Created().json(json!({ "name": body.name }))
}

#[secure(public)]
#[post("/signup")]
async fn signup(body: web::Json<Signup>) -> impl Responder {
    HttpResponse::Ok().json(json!({ "display_name": body.display_name, "items": body.items.len(), "extra": body.extra }))
}

#[secure(public, body_limit = "1MiB")]
#[post("/upload")]
async fn upload(body: web::Json<Vec<String>>) -> impl Responder {
    HttpResponse::Ok().json(json!({ "count": body.len() }))
}

#[secure(public, unvalidated(note))]
#[post("/notes")]
async fn notes(note: web::Json<Note>) -> impl Responder {
    note.text.clone()
}

#[secure(public)]
#[post("/form")]
async fn form_page(page: web::Form<Page>) -> impl Responder {
    format!("{:?}", page.limit)
}

#[secure(public)]
#[get("/page")]
async fn query_page(page: web::Query<Page>) -> impl Responder {
    format!("{:?}", page.limit)
}

#[secure(public)]
#[get("/by-id/{id}")]
async fn by_id(path: web::Path<CustomerPath>) -> impl Responder {
    path.into_inner().id
}

#[derive(Deserialize, Validate, Input)]
struct Nickname {
    #[validate(length(max = 10))]
    nick: String,
}

#[secure(public)]
#[post("/nick")]
async fn nick(body: web::Json<Nickname>) -> impl Responder {
    body.into_inner().nick
}

#[derive(Deserialize, Validate, Input)]
struct OrderPath {
    #[validate(range(min = 1))]
    number: u32,
}

#[secure(public)]
#[get("/orders/{number}")]
async fn order(path: web::Path<OrderPath>) -> impl Responder {
    path.number.to_string()
}

/// An internally tagged enum: serde reads its content through a buffer, so
/// only its own `deny_unknown_fields` refuses unknown members in it.
#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum Method {
    Card {
        #[allow(dead_code)]
        number: String,
    },
}

/// The same enum without `deny_unknown_fields`.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum LaxMethod {
    Card {
        #[allow(dead_code)]
        number: String,
    },
}

#[derive(Deserialize, Validate, Input)]
struct Payment {
    #[validate(range(min = 1))]
    cents: u32,
    #[allow(dead_code)]
    method: Method,
}

#[derive(Deserialize, Validate, Input)]
struct LaxPayment {
    #[validate(range(min = 1))]
    cents: u32,
    #[allow(dead_code)]
    method: LaxMethod,
}

#[secure(public)]
#[post("/payments")]
async fn pay(body: web::Json<Payment>) -> impl Responder {
    body.cents.to_string()
}

#[secure(public)]
#[post("/lax-payments")]
async fn lax_pay(body: web::Json<LaxPayment>) -> impl Responder {
    body.cents.to_string()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(signup)
        .service(upload)
        .service(notes)
        .service(form_page)
        .service(query_page)
        .service(by_id)
        .service(nick)
        .service(order)
        .service(pay)
        .service(lax_pay);
}

async fn app() -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    Error = actix_web::Error,
> {
    actix_web::test::init_service(App::new().configure(routes).wrap(Security::new(config()))).await
}

fn post_json(path: &str, body: impl Into<String>) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .insert_header((
            "authorization",
            format!("Bearer {}", token("ed", &["editor"])),
        ))
        .set_payload(body.into())
}

fn errors(a: &Answer) -> Vec<(String, String)> {
    a.json()["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("?").to_owned(),
                        e["code"].as_str().unwrap_or("?").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn customer(extra: &str) -> String {
    format!(
        r#"{{"name":"Ann","email":"a@b.test","ssn":"123-45-6789","card_number":"4111111111111111","balance_cents":-1{extra}}}"#
    )
}

#[actix_web::test]
async fn the_errors_member_is_capped() {
    let app = app().await;
    let extra: String = (0..150).map(|n| format!(",\"u{n}\":1")).collect();
    let a = send(&app, post_json("/customers", customer(&extra))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.json()["errors"].as_array().map(Vec::len),
        Some(secure_api::problem::MAX_ERRORS)
    );
}

#[actix_web::test]
async fn a_broken_rule_is_422_naming_only_that_field() {
    let app = app().await;
    let before = CREATED.load(Ordering::SeqCst);
    let a = send(&app, post_json("/customers", customer(""))).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert_eq!(
        errors(&a),
        [("balance_cents".to_owned(), "range".to_owned())]
    );
    assert_eq!(a.json()["status"], 422);
    assert!(
        !a.body.contains("params") && !a.body_without_request_id().contains("-1"),
        "{}",
        a.body
    );
    assert_eq!(CREATED.load(Ordering::SeqCst), before);
}

#[actix_web::test]
async fn an_unknown_member_is_mass_assignment_and_nothing_is_created() {
    let app = app().await;
    let before = CREATED.load(Ordering::SeqCst);
    let a = send(
        &app,
        post_json("/customers", customer(r#","role":"admin""#)),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        errors(&a).contains(&("role".to_owned(), "unknown_field".to_owned())),
        "{}",
        a.body
    );
    assert!(!a.body.contains("admin"));
    assert_eq!(CREATED.load(Ordering::SeqCst), before);
}

#[actix_web::test]
async fn duplicate_keys_are_400_at_any_depth() {
    let app = app().await;
    let dup = r#"{"name":"A","name":"B","email":"a@b.test","ssn":"123-45-6789","card_number":"4111111111111111","balance_cents":1}"#;
    let a = send(&app, post_json("/customers", dup)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.header("content-type"), "application/problem+json");
    // Inside a free-form serde_json::Value member too.
    let inner = r#"{"password":"long enough pw","displayName":"x","homeAddress":{"postal":"12345"},"items":[],"extra":{"a":1,"a":2}}"#;
    assert_eq!(
        send(&app, post_json("/signup", inner)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[actix_web::test]
async fn malformed_json_wrong_type_and_missing_members() {
    let app = app().await;
    assert_eq!(
        send(&app, post_json("/customers", r#"{"name": "#))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let a = send(&app, post_json("/customers", r#"{"name":"Ann"}"#)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors(&a)[0].1, "missing_field");
    let wrong = r#"{"name":"Ann","email":"a@b.test","ssn":"123-45-6789","card_number":"4111111111111111","balance_cents":"lots"}"#;
    let a = send(&app, post_json("/customers", wrong)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&a),
        [("balance_cents".to_owned(), "invalid_type".to_owned())]
    );
    assert!(!a.body.contains("lots"));
}

#[actix_web::test]
async fn nested_errors_use_json_names_at_every_level() {
    let app = app().await;
    let body = json!({
        "password": "Sh0rt!pw",
        "displayName": "far too long a name",
        "homeAddress": {"postal": "1"},
        "items": [{"address": {"postal": "12345"}, "quantity": 1}, {"address": {"postal": "9"}, "quantity": 0}],
    });
    let a = send(&app, post_json("/signup", body.to_string())).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut got = errors(&a);
    got.sort();
    let mut want: Vec<(String, String)> = [
        ("password", "length"),
        ("displayName", "length"),
        ("homeAddress.postal", "length"),
        ("items[1].address.postal", "length"),
        ("items[1].quantity", "range"),
    ]
    .iter()
    .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
    .collect();
    want.sort();
    assert_eq!(got, want, "{}", a.body);
    assert!(!a.body.contains("Sh0rt!pw"));
    // Unknown members are reported with their path too.
    let unknown = json!({"password": "long enough pw", "displayName": "x", "homeAddress": {"postal": "12345", "isAdmin": true}, "items": []});
    let a = send(&app, post_json("/signup", unknown.to_string())).await;
    assert_eq!(
        errors(&a),
        [("homeAddress.isAdmin".to_owned(), "unknown_field".to_owned())]
    );
}

/// A writer for captured log lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn a_rejected_password_reaches_neither_the_answer_nor_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = app().await;
    let body = json!({"password": "Sh0rt!pw", "displayName": "x", "homeAddress": {"postal": "12345"}, "items": []});
    let a = send(&app, post_json("/signup", body.to_string())).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors(&a), [("password".to_owned(), "length".to_owned())]);
    assert!(!a.body.contains("Sh0rt!pw"));
    let log = String::from_utf8_lossy(&captured.0.lock().map(|b| b.clone()).unwrap_or_default())
        .into_owned();
    assert!(!log.contains("Sh0rt!pw"), "{log}");
}

#[actix_web::test]
async fn lengths_count_unicode_scalar_values() {
    let app = app().await;
    let emoji = json!({"nick": "😀".repeat(10)});
    let a = send(&app, post_json("/nick", emoji.to_string())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let combining = json!({"nick": format!("a{}", "\u{301}".repeat(5000))});
    let a = send(&app, post_json("/nick", combining.to_string())).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors(&a), [("nick".to_owned(), "length".to_owned())]);
}

#[actix_web::test]
async fn content_type_size_and_depth_limits() {
    let app = app().await;
    let ok = customer("").replace("-1", "5");
    let text = post_json("/customers", ok.clone()).insert_header(("content-type", "text/plain"));
    assert_eq!(
        send(&app, text).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let none = TestRequest::post()
        .uri("/customers")
        .insert_header((
            "authorization",
            format!("Bearer {}", token("ed", &["editor"])),
        ))
        .set_payload(ok.clone());
    assert_eq!(
        send(&app, none).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let charset = post_json("/customers", ok)
        .insert_header(("content-type", "application/json; charset=utf-8"));
    assert_eq!(
        send(&app, charset).await.status,
        StatusCode::OK.max(StatusCode::CREATED)
    );

    // 64 KiB default limit.
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(70 * 1024));
    let a = send(&app, post_json("/customers", big)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.header("content-type"), "application/problem+json");
    // body_limit = "1MiB" raises it for one route.
    let list = serde_json::to_string(&vec!["y".repeat(1000); 200]).unwrap_or_default();
    let a = send(&app, post_json("/upload", list)).await;
    assert_eq!(
        (a.status, a.json()["count"].clone()),
        (StatusCode::OK, json!(200))
    );
    let too_big = serde_json::to_string(&vec!["y".repeat(1000); 1100]).unwrap_or_default();
    assert_eq!(
        send(&app, post_json("/upload", too_big)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Nesting beyond secure_api::validation::MAX_DEPTH.
    let depth = secure_api::validation::MAX_DEPTH + 1;
    let deep = format!(
        r#"{{"text":"x","deep":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert_eq!(
        send(&app, post_json("/notes", deep)).await.status,
        StatusCode::BAD_REQUEST
    );
    let very_deep = "[".repeat(60_000);
    assert_eq!(
        send(&app, post_json("/notes", very_deep)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[actix_web::test]
async fn unvalidated_arguments_are_still_parsed_strictly() {
    let app = app().await;
    let a = send(&app, post_json("/notes", r#"{"text":"hi"}"#)).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "hi"));
    let a = send(&app, post_json("/notes", r#"{"text":"hi","admin":true}"#)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        send(&app, post_json("/notes", r#"{"text":"a","text":"b"}"#))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[actix_web::test]
async fn query_form_and_path_structs_are_validated() {
    let app = app().await;
    let get = |uri: &str| TestRequest::get().uri(uri);
    assert_eq!(send(&app, get("/page?limit=5")).await.body, "Some(5)");
    assert_eq!(send(&app, get("/page")).await.body, "None");
    let a = send(&app, get("/page?limit=0")).await;
    assert_eq!(
        (a.status, errors(&a)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("limit".to_owned(), "range".to_owned())]
        )
    );
    let a = send(&app, get("/page?limit=abc")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!a.body_without_request_id().contains("abc"));

    let form_post = |body: &str| {
        TestRequest::post()
            .uri("/form")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body.to_owned())
    };
    assert_eq!(send(&app, form_post("limit=7")).await.body, "Some(7)");
    assert_eq!(
        send(&app, form_post("limit=700")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let a = send(&app, form_post("limit=7&is_admin=1")).await;
    assert_eq!(
        errors(&a),
        [("is_admin".to_owned(), "unknown_field".to_owned())]
    );

    assert_eq!(send(&app, get("/by-id/c-1001")).await.body, "c-1001");
    let a = send(&app, get("/by-id/c-1001-and-more")).await;
    assert_eq!(
        (a.status, errors(&a)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("id".to_owned(), "length".to_owned())]
        )
    );
}

/// Sends raw HTTP/1.1 to `addr` and returns the status line.
fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn chunked_bodies_without_content_length_are_limited_too() {
    let security = Security::new(config());
    let server =
        actix_web::HttpServer::new(move || App::new().configure(routes).wrap(security.clone()))
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let status = actix_web::rt::task::spawn_blocking(move || {
        let chunk = "x".repeat(16 * 1024);
        let mut req = format!(
            "POST /nick HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{{\"nick\":\"\r\n",
            9
        )
        .into_bytes();
        for _ in 0..5 {
            req.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
        }
        req.extend_from_slice(b"2\r\n\"}\r\n0\r\n\r\n");
        raw_status(addr, &req)
    })
    .await
    .unwrap_or_default();
    handle.stop(true).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
}

/// A valid `/nick` body (a route that counts nothing, so these tests do
/// not race the `CREATED` checks of others).
const NICK: &str = r#"{"nick":"ada"}"#;

#[actix_web::test]
async fn two_content_types_are_415_whichever_comes_first() {
    let app = app().await;
    assert_eq!(
        send(&app, post_json("/nick", NICK)).await.status,
        StatusCode::OK
    );
    for second in ["application/json", "text/plain"] {
        let twice = post_json("/nick", NICK).append_header(("content-type", second));
        let a = send(&app, twice).await;
        assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{second}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
    let form = TestRequest::post()
        .uri("/form")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .append_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload("limit=7");
    assert_eq!(
        send(&app, form).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[actix_web::test]
async fn a_compressed_body_is_415_as_bodies_are_not_decompressed() {
    let app = app().await;
    for coding in ["gzip", "br", "deflate", "identity, gzip", "x-unknown"] {
        let req = post_json("/nick", NICK).insert_header(("content-encoding", coding));
        let a = send(&app, req).await;
        assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{coding}");
        assert_eq!(a.header("accept-encoding"), "identity", "{coding}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
    let form = TestRequest::post()
        .uri("/form")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .insert_header(("content-encoding", "gzip"))
        .set_payload("limit=7");
    assert_eq!(
        send(&app, form).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // `identity` is no coding at all.
    let identity = post_json("/nick", NICK).insert_header(("content-encoding", "Identity"));
    let a = send(&app, identity).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "ada"));
}

#[actix_web::test]
async fn a_query_or_form_parameter_given_twice_is_a_duplicate_field() {
    let app = app().await;
    let a = send(&app, TestRequest::get().uri("/page?limit=1&limit=2")).await;
    assert_eq!(
        (a.status, errors(&a)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("limit".to_owned(), "duplicate_field".to_owned())]
        )
    );
    let form = TestRequest::post()
        .uri("/form")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload("limit=1&limit=2");
    let a = send(&app, form).await;
    assert_eq!(
        (a.status, errors(&a)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("limit".to_owned(), "duplicate_field".to_owned())]
        )
    );
}

#[actix_web::test]
async fn a_struct_path_segment_of_the_wrong_type_is_404_as_in_actix_web() {
    let app = app().await;
    let get = |uri: &str| TestRequest::get().uri(uri);
    assert_eq!(send(&app, get("/orders/42")).await.body, "42");
    let a = send(&app, get("/orders/abc")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert!(!a.body_without_request_id().contains("abc"), "{}", a.body);
    // A segment of the right type that breaks a rule is 422.
    let a = send(&app, get("/orders/0")).await;
    assert_eq!(
        (a.status, errors(&a)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![("number".to_owned(), "range".to_owned())]
        )
    );
}

/// The documented limit: members inside an internally tagged enum are read
/// through serde's buffer; only the enum's `deny_unknown_fields` refuses
/// unknown ones there.
#[actix_web::test]
async fn unknown_members_in_an_internally_tagged_enum_need_deny_unknown_fields() {
    let app = app().await;
    let body = r#"{"cents":5,"method":{"type":"Card","number":"4111","isAdmin":true}}"#;
    let a = send(&app, post_json("/payments", body)).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(
        errors(&a),
        [("method".to_owned(), "unknown_field".to_owned())]
    );
    assert!(!a.body.contains("isAdmin"), "{}", a.body);
    // Without it, the unknown member is dropped, not refused.
    let a = send(&app, post_json("/lax-payments", body)).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "5"));
    // Outside the enum, unknown members are refused as everywhere.
    let outside = r#"{"cents":5,"isAdmin":true,"method":{"type":"Card","number":"4111"}}"#;
    let a = send(&app, post_json("/lax-payments", outside)).await;
    assert_eq!(
        errors(&a),
        [("isAdmin".to_owned(), "unknown_field".to_owned())]
    );
}
