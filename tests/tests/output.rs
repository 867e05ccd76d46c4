//! Role-aware redaction of `#[secure]` responses, through real requests.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::{App, get, post, web};
use secure_api::{Redact, Reply, Security, secure};
use secure_api_tests::{config, get_as, send, token};
use serde::Serialize;
use serde_json::json;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact, Clone)]
struct Customer {
    id: String,
    name: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    card_number: String,
    #[redact(hide)]
    internal_notes: String,
}

fn ada() -> Customer {
    Customer {
        id: "c-1001".into(),
        name: "Ada Lovelace".into(),
        ssn: "123-45-6789".into(),
        card_number: "4111111111111111".into(),
        internal_notes: "VIP, do not call".into(),
    }
}

#[secure(role = "viewer", owner(param = "id", unless = "editor"))]
#[get("/customers/{id}")]
async fn one(_id: web::Path<String>) -> web::Json<Customer> {
    web::Json(ada())
}

#[secure(role = "viewer")]
#[get("/customers")]
async fn list() -> web::Json<Vec<Customer>> {
    web::Json(vec![ada(), ada()])
}

#[secure(role = "editor")]
#[post("/customers")]
async fn create() -> Result<Reply<Customer>, actix_web::Error> {
    Ok(Reply::created("/customers/c-1001", ada()))
}

#[secure(role = "viewer")]
#[get("/customers-as-api-json")]
async fn typed() -> Reply<Customer> {
    Reply::ok(ada()).header(
        actix_web::http::header::CONTENT_TYPE,
        "application/vnd.api+json",
    )
}

#[secure(public)]
#[get("/public-customer")]
async fn public_one() -> Result<web::Json<Customer>, actix_web::Error> {
    Ok(web::Json(ada()))
}

async fn app() -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    Error = actix_web::Error,
> {
    actix_web::test::init_service(
        App::new()
            .service(one)
            .service(list)
            .service(create)
            .service(public_one)
            .service(typed)
            .wrap(Security::new(config())),
    )
    .await
}

#[actix_web::test]
async fn a_viewer_reading_their_own_customer_sees_masks() {
    let app = app().await;
    let a = send(
        &app,
        get_as("/customers/c-1001", &token("c-1001", &["viewer"])),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "application/json");
    assert_eq!(
        a.json(),
        json!({"id": "c-1001", "name": "Ada Lovelace", "ssn": "***-**-6789", "card_number": "************1111"})
    );
}

#[actix_web::test]
async fn an_admin_sees_everything_but_hidden_fields() {
    let app = app().await;
    let a = send(
        &app,
        get_as("/customers/c-1001", &token("root", &["admin"])),
    )
    .await;
    assert_eq!(
        a.json(),
        json!({"id": "c-1001", "name": "Ada Lovelace", "ssn": "123-45-6789", "card_number": "4111111111111111"})
    );
}

#[actix_web::test]
async fn an_editor_listing_sees_every_item_masked() {
    let app = app().await;
    let a = send(&app, get_as("/customers", &token("ed", &["editor"]))).await;
    let items = a.json();
    assert_eq!(items.as_array().map(Vec::len), Some(2));
    for item in items.as_array().into_iter().flatten() {
        assert_eq!(item["ssn"], "***-**-6789");
        assert_eq!(item["card_number"], "************1111");
        assert!(item.get("internal_notes").is_none());
    }
}

#[actix_web::test]
async fn replies_keep_status_and_headers_and_public_routes_get_masks() {
    let app = app().await;
    let req = TestRequest::post().uri("/customers").insert_header((
        "authorization",
        format!("Bearer {}", token("ed", &["editor"])),
    ));
    let a = send(&app, req).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.header("location"), "/customers/c-1001");
    assert_eq!(a.json()["ssn"], "***-**-6789");
    let a = send(&app, TestRequest::get().uri("/public-customer")).await;
    assert_eq!(a.json()["card_number"], "************1111");
}

#[actix_web::test]
async fn the_body_is_written_in_field_order_and_a_reply_may_set_its_content_type() {
    let app = app().await;
    let a = send(&app, get_as("/customers", &token("ed", &["editor"]))).await;
    let item = r#"{"id":"c-1001","name":"Ada Lovelace","ssn":"***-**-6789","card_number":"************1111"}"#;
    assert_eq!(a.body, format!("[{item},{item}]"));
    let a = send(
        &app,
        get_as("/customers-as-api-json", &token("ed", &["viewer"])),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "application/vnd.api+json");
    assert_eq!(a.body, item);
}

#[test]
fn debug_never_shows_the_secrets() {
    let shown = format!("{:?}", ada());
    for secret in ["123-45-6789", "4111111111111111", "VIP"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(
        shown.contains("6789") && shown.contains("Ada Lovelace"),
        "{shown}"
    );
}
