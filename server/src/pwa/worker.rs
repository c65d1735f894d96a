//! `/sw.js`, rendered once at start from a template and the files of the build being served.
//!
//! The script lists the exact files to precache and carries a version derived from them, so a
//! new build always yields a byte-different script: browsers install it as an update, it waits
//! until the page accepts it, and its activation deletes the previous build's cache.

use std::{
    hash::{DefaultHasher, Hasher},
    path::Path,
};

use super::bundle::{file_of, Bundle};

const TEMPLATE: &str = include_str!("service-worker.js");
const RETIRE: &str = include_str!("retire-worker.js");

/// The URL of the offline fallback page.
pub const OFFLINE_URL: &str = "/offline";

/// Static files of the shell, precached when the build has them (see `public/`).
const SHELL_FILES: &[&str] = &[
    "/favicon.svg",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
];

/// The service worker script for one build.
#[derive(Debug, Clone)]
pub struct Worker {
    /// Changes whenever any precached file (or the script itself) changes.
    pub version: String,
    /// The JavaScript served at `/sw.js`.
    pub script: String,
}

impl Worker {
    /// The worker that caches this build's shell; `offline_page` is the body of [`OFFLINE_URL`].
    pub fn render(bundle: &Bundle, site_root: &Path, pkg_dir: &str, offline_page: &str) -> Self {
        // Every chunk too, not only the first page's: offline, a page whose chunk was never
        // fetched could not open.
        let (immutable, changing): (Vec<&str>, Vec<&str>) =
            bundle.files().partition(|u| bundle.is_immutable(u));
        let mut revalidated: Vec<String> = vec![OFFLINE_URL.to_owned()];
        revalidated.extend(changing.into_iter().map(str::to_owned));
        // wasm-bindgen's snippets keep their names across builds, so they are revalidated.
        revalidated.extend(files_under(site_root, &format!("{pkg_dir}/snippets")));
        revalidated.extend(SHELL_FILES.iter().map(|s| (*s).to_owned()));
        // Listing a file that is absent would make the whole install fail.
        revalidated.retain(|url| url == OFFLINE_URL || file_of(site_root, url).is_file());

        let mut hasher = DefaultHasher::new();
        hasher.write(TEMPLATE.as_bytes());
        hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
        for url in &immutable {
            // The name holds the content hash already.
            hasher.write(url.as_bytes());
        }
        for url in &revalidated {
            hasher.write(url.as_bytes());
            if url == OFFLINE_URL {
                hasher.write(offline_page.as_bytes());
            } else {
                hasher.write(&std::fs::read(file_of(site_root, url)).unwrap_or_default());
            }
        }
        let version = format!("{:016x}", hasher.finish());
        let script = TEMPLATE
            .replace("__VERSION__", &version)
            .replace("__IMMUTABLE__", &json_list(&immutable))
            .replace("__REVALIDATED__", &json_list(&revalidated));
        Self { version, script }
    }

    /// The worker served while the PWA is switched off: it removes itself and its caches.
    pub fn retire() -> Self {
        Self {
            version: "retired".to_owned(),
            script: RETIRE.to_owned(),
        }
    }
}

fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    serde_json::to_string(&items.iter().map(AsRef::as_ref).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_owned())
}

/// URLs of the files below `dir` (relative to the site root), sorted for a stable version.
fn files_under(site_root: &Path, dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(site_root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let path = format!("{dir}/{name}");
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                // Precompressed twins are served in place of the file, never asked for by name.
                Ok(t) if t.is_file() && !name.ends_with(".br") && !name.ends_with(".gz") => {
                    found.push(format!("/{path}"))
                }
                _ => {}
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("parley-sw-{}", uuid::Uuid::new_v4()));
        for (file, content) in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, content).expect("write");
        }
        root
    }

    #[test]
    fn lists_only_present_files_and_versions_follow_their_content() {
        let root = site(&[
            ("pkg/parley.js", "js"),
            ("pkg/parley.wasm", "wasm"),
            ("pkg/snippets/app-1/inline0.js", "one"),
            ("pkg/snippets/app-1/inline0.js.br", "compressed"),
            ("favicon.svg", "<svg/>"),
        ]);
        let bundle = Bundle::from_hash_file(&root, "pkg", "parley", None);
        let first = Worker::render(&bundle, &root, "pkg", "<p>offline</p>");
        assert!(
            first.script.contains(r#"const IMMUTABLE = [];"#),
            "{}",
            first.script
        );
        assert!(first.script.contains(
            r#"["/offline","/pkg/parley.js","/pkg/parley.wasm","/pkg/snippets/app-1/inline0.js","/favicon.svg"]"#
        ), "{}", first.script);
        assert!(
            !first.script.contains("__"),
            "a placeholder was left: {}",
            first.script
        );
        assert_eq!(
            Worker::render(&bundle, &root, "pkg", "<p>offline</p>").version,
            first.version
        );

        std::fs::write(root.join("pkg/snippets/app-1/inline0.js"), "two").expect("write");
        let second = Worker::render(&bundle, &root, "pkg", "<p>offline</p>");
        assert_ne!(second.version, first.version);
        assert_ne!(
            Worker::render(&bundle, &root, "pkg", "<p>changed</p>").version,
            second.version
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_split_build_precaches_every_chunk_by_its_hashed_name() {
        let root = site(&[
            ("pkg/parley.AAAAAAAAAAAAAAAAAAAAAA.js", "js"),
            ("pkg/parley.BBBBBBBBBBBBBBBBBBBBBB.wasm", "wasm"),
            ("pkg/parley.CCCCCCCCCCCCCCCCCCCCCC.css", "css"),
            ("pkg/__wasm_split.LLLLLLLLLLLLLLLLLLLLLL.js", "loader"),
            ("pkg/chunk_1.XXXXXXXXXXXXXXXXXXXXXX.wasm", "chunk"),
            (
                "pkg/__wasm_split_manifest.MMMMMMMMMMMMMMMMMMMMMM.json",
                r#"{"__room_view_1": ["chunk_1.XXXXXXXXXXXXXXXXXXXXXX"]}"#,
            ),
            (
                "hash.txt",
                "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\ncss: CCCCCCCCCCCCCCCCCCCCCC\n\
                 manifest: MMMMMMMMMMMMMMMMMMMMMM\nsplit: LLLLLLLLLLLLLLLLLLLLLL\n",
            ),
        ]);
        let bundle = Bundle::from_hash_file(&root, "pkg", "parley", Some(&root.join("hash.txt")));
        let worker = Worker::render(&bundle, &root, "pkg", "<p>offline</p>");
        assert!(
            worker.script.contains(
                r#"const IMMUTABLE = ["/pkg/parley.AAAAAAAAAAAAAAAAAAAAAA.js","/pkg/parley.BBBBBBBBBBBBBBBBBBBBBB.wasm","/pkg/parley.CCCCCCCCCCCCCCCCCCCCCC.css","/pkg/__wasm_split.LLLLLLLLLLLLLLLLLLLLLL.js","/pkg/chunk_1.XXXXXXXXXXXXXXXXXXXXXX.wasm"];"#
            ),
            "{}",
            worker.script
        );
        // The manifest is for the server's preload links; browsers never fetch it.
        assert!(
            !worker.script.contains("manifest.MMMM"),
            "{}",
            worker.script
        );
        let _ = std::fs::remove_dir_all(root);
    }
}
