//! [`SecurityConfig`]: the one place where secure-api's configuration is
//! read and checked.
//!
//! A configuration is built once at start-up, from the environment
//! ([`SecurityConfig::from_env`]), from code ([`SecurityConfig::builder`]),
//! or both (code sets defaults, [`SecurityConfigBuilder::read_env`] lets the
//! environment override them). Every bad value stops the build with a
//! [`ConfigError`] naming the setting; nothing is served with a half-read
//! configuration.
//!
//! Layer 3, assembly: `settings` (the checked [`SecurityConfig`]),
//! `builder` ([`SecurityConfigBuilder`] and its checks), `environment`
//! (reading [`env`](mod@env)).

mod builder;
mod environment;
mod settings;

pub use crate::client_ip::ForwardedHeader;
pub use crate::error::{ConfigError, env};
pub use builder::SecurityConfigBuilder;
pub(crate) use settings::StoreChoice;
pub use settings::{
    DEFAULT_JWKS_COOLDOWN_SECONDS, DEFAULT_JWKS_TTL_SECONDS, DEFAULT_LEEWAY_SECONDS,
    DEFAULT_REDIS_TIMEOUT_MS, Limits, MIN_SECRET_BYTES, SecurityConfig,
};
