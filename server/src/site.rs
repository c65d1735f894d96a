//! Leptos options derived from our validated configuration (not from Cargo.toml at run time,
//! so the binary runs the same under cargo-leptos, in tests and in production).

use app::infra::config::{Config, Environment};
use leptos::config::{Env, LeptosOptions};

/// The options the Leptos integration needs to render and serve the site.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let env = match config.environment {
        Environment::Production => Env::PROD,
        Environment::Development => Env::DEV,
    };
    LeptosOptions::builder()
        .output_name(config.site.output_name.as_str())
        .site_root(config.site.site_root.as_str())
        .site_pkg_dir(config.site.site_pkg_dir.as_str())
        .env(env)
        .site_addr(config.site_addr)
        .reload_port(config.site.reload_port)
        .build()
}
