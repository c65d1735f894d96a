//! Leptos options derived from our validated configuration (not from Cargo.toml at run time,
//! so the binary runs the same under cargo-leptos, in tests and in production).

use app::infra::config::{Config, Environment};
use leptos::config::{Env, LeptosOptions};

use crate::pwa::Bundle;

/// The options the Leptos integration needs to render and serve the site; `bundle` says whether
/// the built files carry content hashes (Leptos then reads the names from the same hash file).
pub fn leptos_options(config: &Config, bundle: &Bundle) -> LeptosOptions {
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
        .hash_files(bundle.hash_file.is_some())
        // Leptos joins this to the executable's folder; an absolute path is kept as it is.
        .hash_file(std::sync::Arc::from(
            bundle
                .hash_file
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| crate::pwa::bundle::HASH_FILE.to_owned()),
        ))
        .build()
}
