//! Authorization: roles with the declared hierarchy, `roles(any/all)`, and
//! object ownership answered with 404.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use secure_api_tests::{claims, config, get_as, hs256, send, service, token};
use serde_json::json;

const INSUFFICIENT: &str = r#"Bearer realm="customer-api", error="insufficient_scope""#;

#[actix_web::test]
async fn the_hierarchy_lets_higher_roles_through() {
    let app = service(config()).await;
    for role in ["viewer", "editor", "admin"] {
        let a = send(&app, get_as("/me", &token("u", &[role]))).await;
        assert_eq!(a.status, StatusCode::OK, "{role}");
        assert_eq!(a.json()["sub"], "u");
    }
    for role in ["viewer", "editor", "reporting"] {
        let a = send(&app, get_as("/admin", &token("u", &[role]))).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(a.header("www-authenticate"), INSUFFICIENT);
        assert_eq!(a.header("content-type"), "application/problem+json");
        assert_eq!(a.json()["status"], 403);
    }
}

#[actix_web::test]
async fn role_names_are_matched_exactly() {
    let app = service(config()).await;
    for roles in [
        json!(["Admin"]),
        json!(["admin "]),
        json!(["administrator"]),
        json!([]),
        json!(["ADMIN"]),
    ] {
        let mut c = claims("u", &[]);
        c["roles"] = roles.clone();
        let a = send(&app, get_as("/admin", &hs256(&c))).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{roles}");
    }
    // Roles of the wrong JSON type are a bad token, never a pass.
    for roles in [
        json!("admin"),
        json!([["admin"]]),
        json!({"admin": true}),
        json!([1]),
    ] {
        let mut c = claims("u", &[]);
        c["roles"] = roles.clone();
        let a = send(&app, get_as("/admin", &hs256(&c))).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{roles}");
    }
    // No roles claim at all: authenticated, but no role.
    let mut c = claims("u", &[]);
    c.as_object_mut().map(|o| o.remove("roles"));
    assert_eq!(
        send(&app, get_as("/me", &hs256(&c))).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn roles_any_and_all() {
    let app = service(config()).await;
    let status = |path: &'static str, roles: &'static [&'static str]| {
        let app = &app;
        async move { send(app, get_as(path, &token("u", roles))).await.status }
    };
    assert_eq!(
        status("/both", &["editor", "reporting"]).await,
        StatusCode::OK
    );
    assert_eq!(
        status("/both", &["admin", "reporting"]).await,
        StatusCode::OK
    );
    assert_eq!(status("/both", &["editor"]).await, StatusCode::FORBIDDEN);
    assert_eq!(status("/both", &["reporting"]).await, StatusCode::FORBIDDEN);
    assert_eq!(status("/either", &["reporting"]).await, StatusCode::OK);
    assert_eq!(status("/either", &["admin"]).await, StatusCode::OK);
    assert_eq!(status("/either", &["editor"]).await, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn owners_read_their_own_object_and_nobody_else_learns_it_exists() {
    let app = service(config()).await;
    let own = send(
        &app,
        get_as("/customers/c-1001", &token("c-1001", &["viewer"])),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body, "customer:c-1001");

    let other = send(
        &app,
        get_as("/customers/c-1002", &token("c-1001", &["viewer"])),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.header("content-type"), "application/problem+json");
    assert_eq!(other.json()["status"], 404);
    assert_eq!(other.header("www-authenticate"), "");

    // Editors and admins (above the `unless` role) read any customer.
    for role in ["editor", "admin"] {
        let a = send(&app, get_as("/customers/c-1002", &token("c-1001", &[role]))).await;
        assert_eq!(a.status, StatusCode::OK, "{role}");
    }
}

#[actix_web::test]
async fn the_version_prefix_is_where_the_route_lives() {
    let app = service(config()).await;
    let t = token("u", &["viewer"]);
    let a = send(&app, get_as("/v1/versioned", &t)).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "v1"));
    let unversioned = send(&app, get_as("/versioned", &t)).await;
    assert_eq!(unversioned.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unversioned.header("content-type"),
        "application/problem+json"
    );
    let del = send(
        &app,
        TestRequest::delete()
            .uri("/v1/customers/c-1")
            .insert_header((
                "authorization",
                format!("Bearer {}", token("a", &["admin"])),
            )),
    )
    .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn public_routes_need_no_token() {
    let app = service(config()).await;
    let a = send(&app, TestRequest::get().uri("/open")).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "open"));
}
