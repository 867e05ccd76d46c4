//! `roles!` with chains that share names (a DAG), used from code through
//! the `roles` module, and a raw identifier as a role name.
#![deny(warnings)]

use secure_api::Role;

secure_api::roles! {
    admin > editor > viewer;
    admin > billing > viewer;
    auditor > viewer;
    reporting;
    r#type
}

fn main() {
    let admin: Role = roles::ADMIN;
    assert_eq!(admin.name(), "admin");
    assert!(admin.is_held_by(&["admin"]));
    assert!(!admin.is_held_by(&["editor"]));

    // Everyone above `viewer`, through either chain, satisfies it.
    for holder in ["viewer", "editor", "billing", "auditor", "admin"] {
        assert!(roles::VIEWER.is_held_by(&[holder]), "{holder} satisfies viewer");
    }
    assert!(!roles::VIEWER.is_held_by(&["reporting"]));
    assert!(!roles::VIEWER.is_held_by(&["Viewer", "viewer "]));

    assert!(roles::BILLING.is_held_by(&["admin"]));
    assert!(!roles::BILLING.is_held_by(&["editor"]));
    assert!(roles::REPORTING.is_held_by(&["reporting"]));
    assert!(!roles::REPORTING.is_held_by(&["admin"]));
    assert_eq!(roles::TYPE.name(), "type");

    // The constants are usable in constant contexts.
    const REQUIRED: [Role; 2] = [roles::EDITOR, roles::REPORTING];
    assert_eq!(REQUIRED.len(), 2);
}
