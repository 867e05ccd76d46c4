//! Authentication: JWT bearer tokens checked as RFC 6750, RFC 7519 and
//! RFC 8725 require, through real requests to `#[secure]` routes.

use actix_web::http::StatusCode;
use jsonwebtoken::Algorithm;
use secure_api_tests::{
    AUDIENCE, ISSUER, claims, config, get_as, hs256, jwks_config, now, raw_token, send, service,
    sign_with_fixture, token,
};
use serde_json::{Value, json};

const INVALID: &str = r#"Bearer realm="customer-api", error="invalid_token""#;

/// Claims valid for an admin, with `field` replaced by `value` (or removed
/// when `value` is `None`).
fn admin_with(field: &str, value: Option<Value>) -> Value {
    let mut c = claims("alice", &["admin"]);
    match value {
        Some(v) => c[field] = v,
        None => {
            c.as_object_mut().map(|o| o.remove(field));
        }
    }
    c
}

async fn status_of(token: &str) -> (StatusCode, String, Value) {
    let app = service(config()).await;
    let a = send(&app, get_as("/admin", token)).await;
    (a.status, a.header("www-authenticate").to_owned(), a.json())
}

#[actix_web::test]
async fn a_valid_token_reaches_the_handler() {
    let app = service(config()).await;
    let a = send(&app, get_as("/admin", &token("alice", &["admin"]))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, "admin:alice");
}

#[actix_web::test]
async fn no_credentials_get_a_bare_challenge_and_problem_json() {
    let app = service(config()).await;
    let a = send(&app, actix_web::test::TestRequest::get().uri("/admin")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer realm="customer-api""#
    );
    assert_eq!(a.header("content-type"), "application/problem+json");
    let body = a.json();
    assert_eq!(body["status"], 401);
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], "Unauthorized");
    assert!(body["detail"].is_string());
}

#[actix_web::test]
async fn registered_claims_of_the_wrong_type_are_rejected() {
    for (field, value) in [
        ("exp", Some(json!("never"))),
        ("exp", Some(Value::Null)),
        ("exp", None),
        ("nbf", Some(json!("99999999999"))),
        ("nbf", Some(Value::Null)),
        ("iat", Some(json!("0"))),
        ("jti", Some(json!(12345))),
        ("jti", Some(Value::Null)),
    ] {
        let (status, challenge, body) = status_of(&hs256(&admin_with(field, value.clone()))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{field} = {value:?}");
        assert_eq!(challenge, INVALID, "{field} = {value:?}");
        assert_eq!(body["status"], 401);
    }
}

#[actix_web::test]
async fn time_claims_are_checked_with_the_leeway() {
    // Expired beyond the 30 s leeway.
    let (s, ..) = status_of(&hs256(&admin_with("exp", Some(json!(now() - 31))))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Expired within the leeway: still accepted.
    let (s, ..) = status_of(&hs256(&admin_with("exp", Some(json!(now() - 5))))).await;
    assert_eq!(s, StatusCode::OK);
    // Not valid before the future.
    let (s, ..) = status_of(&hs256(&admin_with("nbf", Some(json!(now() + 3600))))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, ..) = status_of(&hs256(&admin_with("nbf", Some(json!(99_999_999_999u64))))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Issued in the future beyond the leeway.
    let (s, ..) = status_of(&hs256(&admin_with("iat", Some(json!(now() + 3600))))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn audience_must_contain_ours_as_a_string() {
    let (s, ..) = status_of(&hs256(&admin_with("aud", Some(json!(["other", AUDIENCE]))))).await;
    assert_eq!(s, StatusCode::OK);
    for aud in [
        Some(json!(["other"])),
        Some(json!("other")),
        None,
        Some(json!([[AUDIENCE]])),
        Some(json!(7)),
    ] {
        let (s, challenge, _) = status_of(&hs256(&admin_with("aud", aud.clone()))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "aud = {aud:?}");
        assert_eq!(challenge, INVALID);
    }
}

#[actix_web::test]
async fn issuer_and_subject_are_required() {
    for (field, value) in [
        ("iss", Some(json!("https://evil.test"))),
        ("iss", None),
        ("iss", Some(json!([ISSUER]))),
        ("sub", None),
        ("sub", Some(json!(""))),
        ("sub", Some(json!(42))),
    ] {
        let (s, ..) = status_of(&hs256(&admin_with(field, value.clone()))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{field} = {value:?}");
    }
}

#[actix_web::test]
async fn a_wrong_secret_or_a_tampered_payload_is_rejected() {
    let good = token("alice", &["viewer"]);
    let parts: Vec<&str> = good.split('.').collect();
    let forged_claims = secure_api_tests::b64(claims("alice", &["admin"]).to_string().as_bytes());
    let tampered = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
    let (s, ..) = status_of(&tampered).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let other_secret = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims("alice", &["admin"]),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-sufficient-length!!")
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let (s, ..) = status_of(&other_secret).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn alg_none_and_garbage_never_pass() {
    let none = raw_token(
        &json!({"alg": "none", "typ": "JWT"}),
        &claims("alice", &["admin"]),
        "",
    );
    let none_upper = raw_token(&json!({"alg": "NONE"}), &claims("alice", &["admin"]), "");
    for t in [
        none.as_str(),
        none_upper.as_str(),
        "abc",
        "a.b.c",
        "...",
        "e30.e30.e30",
    ] {
        let (s, challenge, _) = status_of(t).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{t}");
        assert_eq!(challenge, INVALID, "{t}");
    }
}

#[actix_web::test]
async fn the_authorization_header_is_parsed_strictly() {
    let app = service(config()).await;
    let t = token("alice", &["admin"]);
    let with = |value: String| {
        actix_web::test::TestRequest::get()
            .uri("/admin")
            .insert_header(("authorization", value))
    };
    // Lower-case scheme: accepted (RFC 9110 §11.1).
    assert_eq!(
        send(&app, with(format!("bearer {t}"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, with(format!("BEARER {t}"))).await.status,
        StatusCode::OK
    );
    // No token, two tokens, another scheme: 401 invalid_token.
    for value in [
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {t} {t}"),
        format!("Basic {t}"),
        format!("Token {t}"),
    ] {
        let a = send(&app, with(value.clone())).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(a.header("www-authenticate"), INVALID, "{value}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
    // Two Authorization headers: 401.
    let two = actix_web::test::TestRequest::get()
        .uri("/admin")
        .append_header(("authorization", format!("Bearer {t}")))
        .append_header(("authorization", format!("Bearer {t}")));
    assert_eq!(send(&app, two).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn jwks_keys_verify_tokens_of_their_own_algorithm() {
    let app = service(jwks_config()).await;
    let c = claims("alice", &["admin"]);
    for (kid, alg) in [
        ("rsa-1", Algorithm::RS256),
        ("ps-1", Algorithm::PS256),
        ("ec-256", Algorithm::ES256),
        ("ec-384", Algorithm::ES384),
        ("ed-1", Algorithm::EdDSA),
    ] {
        let a = send(
            &app,
            get_as("/admin", &sign_with_fixture(kid, alg, Some(kid), &c)),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{kid}");
    }
}

#[actix_web::test]
async fn tokens_minted_by_another_jose_library_verify() {
    // fixtures/joserfc-tokens.json: minted by Python's joserfc, valid until 2100.
    let text = std::fs::read_to_string(secure_api_tests::fixture("joserfc-tokens.json"))
        .unwrap_or_default();
    let tokens: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(tokens.len(), 5);
    let app = service(jwks_config()).await;
    for (kid, t) in &tokens {
        let a = send(&app, get_as("/admin", t.as_str().unwrap_or_default())).await;
        assert_eq!(a.status, StatusCode::OK, "{kid}");
        assert_eq!(a.body, "admin:c-1001");
    }
}

#[actix_web::test]
async fn a_jwks_key_is_chosen_only_by_an_exact_kid_and_its_own_alg() {
    let app = service(jwks_config()).await;
    let c = claims("alice", &["admin"]);
    let cases = [
        // kid not in the JWKS.
        sign_with_fixture("rsa-1", Algorithm::RS256, Some("rogue"), &c),
        // No kid while the JWKS holds several keys.
        sign_with_fixture("rsa-1", Algorithm::RS256, None, &c),
        // kid differing only in case.
        sign_with_fixture("rsa-1", Algorithm::RS256, Some("RSA-1"), &c),
        // Right kid, another algorithm than the JWK's (PS256 key used as RS256).
        sign_with_fixture("ps-1", Algorithm::RS256, Some("ps-1"), &c),
        // Right kid, signed by another key.
        sign_with_fixture("ec-256", Algorithm::ES256, Some("rsa-1"), &c),
    ];
    for t in &cases {
        let a = send(&app, get_as("/admin", t)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.header("www-authenticate"), INVALID);
    }
    // kid path traversal with an HMAC over an empty key: no key, no secret.
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": "../../../../dev/null"});
    let unsigned = raw_token(&header, &c, "");
    let signing_input = unsigned.trim_end_matches('.');
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b""),
        signing_input.as_bytes(),
    );
    let traversal = format!("{signing_input}.{}", secure_api_tests::b64(tag.as_ref()));
    assert_eq!(
        send(&app, get_as("/admin", &traversal)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The same against the HS256 configuration.
    let hs = service(config()).await;
    assert_eq!(
        send(&hs, get_as("/admin", &traversal)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn a_public_key_used_as_an_hmac_secret_is_rejected() {
    // The classic algorithm-confusion attack (RFC 8725 §2.1): HS256 signed
    // with the bytes of the JWKS file, naming a JWKS kid.
    let jwks = std::fs::read(secure_api_tests::fixture("jwks.json")).unwrap_or_default();
    let t = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("rsa-1".into()),
            ..jsonwebtoken::Header::new(Algorithm::HS256)
        },
        &claims("alice", &["admin"]),
        &jsonwebtoken::EncodingKey::from_secret(&jwks).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_default();
    let app = service(jwks_config()).await;
    assert_eq!(
        send(&app, get_as("/admin", &t)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn unauthenticated_requests_are_refused_before_the_body_is_read() {
    let app = service(config()).await;
    let body = vec![b'{'; 1024 * 1024];
    let req = actix_web::test::TestRequest::post()
        .uri("/echo")
        .insert_header(("content-type", "application/json"))
        .set_payload(body);
    let a = send(&app, req).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer realm="customer-api""#
    );
}
