//! The files `cargo leptos build` produced for the browser, and whether their names carry a
//! content hash (`hash-files = true` in Cargo.toml), resolved once at start.
//!
//! cargo-leptos writes the hashes to `hash.txt` next to the server binary. The server checks
//! that the files it names really are in the site root before trusting it: a site rebuilt by
//! another build would otherwise make every page link to files that no longer exist.
//!
//! A split build (`cargo leptos build --split`) adds the chunks pages load on demand: a loader
//! script and WASM chunks, all listed in a manifest (`__wasm_split_manifest[.<hash>].json`)
//! that maps each lazy function to the chunks it needs.

use std::{
    collections::{BTreeSet, HashMap},
    path::{Path, PathBuf},
};

/// Name of the file cargo-leptos writes next to the server binary when hashing file names.
pub const HASH_FILE: &str = "hash.txt";

/// The script, module and stylesheet the shell links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// URL of the JS glue, e.g. `/pkg/parley.<hash>.js`.
    pub js: String,
    /// URL of the WASM module.
    pub wasm: String,
    /// URL of the stylesheet.
    pub css: String,
    /// URLs of the split build's chunk loader and WASM chunks, sorted (looked up by binary
    /// search on every `/pkg` request); empty for an unsplit build.
    pub chunks: Vec<String>,
    /// The hash file the names came from; `None` when the names carry no hash.
    pub hash_file: Option<PathBuf>,
}

impl Bundle {
    /// Reads `hash.txt` next to the running executable, if there is one.
    pub fn resolve(site_root: &Path, pkg_dir: &str, output_name: &str) -> Self {
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)));
        Self::from_hash_file(site_root, pkg_dir, output_name, hash_file.as_deref())
    }

    /// Uses `hash_file` when it exists, is well formed and names files present in the site.
    pub fn from_hash_file(
        site_root: &Path,
        pkg_dir: &str,
        output_name: &str,
        hash_file: Option<&Path>,
    ) -> Self {
        let name = |hash: Option<&str>, ext: &str| match hash {
            Some(hash) => format!("/{pkg_dir}/{output_name}.{hash}.{ext}"),
            None => format!("/{pkg_dir}/{output_name}.{ext}"),
        };
        // Built only when it is the answer: it reads the unhashed build's split manifest.
        let plain = || Self {
            js: name(None, "js"),
            wasm: name(None, "wasm"),
            css: name(None, "css"),
            chunks: chunks(site_root, pkg_dir, PLAIN_LOADER, PLAIN_MANIFEST),
            hash_file: None,
        };
        let Some(path) = hash_file else {
            return plain();
        };
        // No hash file simply means a build without hashing (tests, older builds).
        let Ok(text) = std::fs::read_to_string(path) else {
            return plain();
        };
        let Some(hashes) = Hashes::parse(&text) else {
            tracing::warn!(file = %path.display(), "malformed hash file; linking unhashed names");
            return plain();
        };
        let mut hashed = Self {
            js: name(Some(&hashes.js), "js"),
            wasm: name(Some(&hashes.wasm), "wasm"),
            css: name(Some(&hashes.css), "css"),
            chunks: Vec::new(),
            hash_file: Some(path.to_path_buf()),
        };
        if let Some(missing) = hashed.urls().find(|url| !file_of(site_root, url).is_file()) {
            tracing::warn!(
                file = %path.display(),
                missing,
                "the site root was built by another build than this binary; rebuild with cargo leptos build"
            );
            return plain();
        }
        if let (Some(loader), Some(manifest)) = (&hashes.split, &hashes.manifest) {
            hashed.chunks = chunks(
                site_root,
                pkg_dir,
                &format!("__wasm_split.{loader}.js"),
                &format!("__wasm_split_manifest.{manifest}.json"),
            );
        }
        hashed
    }

    /// The three URLs the shell links to.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        [self.js.as_str(), self.wasm.as_str(), self.css.as_str()].into_iter()
    }

    /// Every built file a page may load: the three URLs and the chunks.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.urls().chain(self.chunks.iter().map(String::as_str))
    }

    /// Whether `url` names a file whose content can never change (its name holds its hash).
    pub fn is_immutable(&self, url: &str) -> bool {
        self.hash_file.is_some()
            && (self.urls().any(|u| u == url)
                || self
                    .chunks
                    .binary_search_by(|c| c.as_str().cmp(url))
                    .is_ok())
    }
}

/// The chunk loader's name in a build without hashes (cargo-leptos pads it to a hash's length).
const PLAIN_LOADER: &str = "__wasm_split.______________________.js";
/// The split manifest's name in a build without hashes.
const PLAIN_MANIFEST: &str = "__wasm_split_manifest.json";

/// URLs of the loader and of every chunk the manifest names, sorted; empty when the build was
/// not split. Chunks missing on disk are left out (and logged): listing them would make the
/// service worker's whole install fail, while a page needing one fails alone.
fn chunks(site_root: &Path, pkg_dir: &str, loader: &str, manifest: &str) -> Vec<String> {
    let manifest_path = site_root.join(pkg_dir).join(manifest);
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        return Vec::new();
    };
    let Ok(lazy_fns) = serde_json::from_str::<HashMap<String, Vec<String>>>(&text) else {
        tracing::warn!(file = %manifest_path.display(), "malformed split manifest; no chunks precached");
        return Vec::new();
    };
    let names: BTreeSet<String> = lazy_fns
        .into_values()
        .flatten()
        .filter(|stem| is_file_name(stem))
        .map(|stem| format!("{stem}.wasm"))
        .chain(std::iter::once(loader.to_owned()))
        .collect();
    names
        .into_iter()
        .map(|name| format!("/{pkg_dir}/{name}"))
        .filter(|url| {
            let present = file_of(site_root, url).is_file();
            if !present {
                tracing::warn!(missing = %url, "the split manifest names a chunk the site lacks");
            }
            present
        })
        .collect()
}

/// A bare file name (no separators or parent steps), as the build writes them.
fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.contains("..")
}

/// The path of a site URL on disk (URLs here are built by us, never taken from requests).
pub fn file_of(site_root: &Path, url: &str) -> PathBuf {
    site_root.join(url.trim_start_matches('/'))
}

/// The content hashes cargo-leptos recorded.
struct Hashes {
    js: String,
    wasm: String,
    css: String,
    /// The chunk loader's, in a split build.
    split: Option<String>,
    /// The split manifest's, in a split build.
    manifest: Option<String>,
}

impl Hashes {
    /// Lines of `ext: hash`; a hash is URL-safe base64, so it can go into a URL as it is.
    fn parse(text: &str) -> Option<Self> {
        let get = |key: &str| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| {
                    !v.is_empty()
                        && v.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
        };
        Some(Self {
            js: get("js")?,
            wasm: get("wasm")?,
            css: get("css")?,
            split: get("split"),
            manifest: get("manifest"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_with(files: &[&str]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("parley-bundle-{}", uuid::Uuid::new_v4()));
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, b"x").expect("write");
        }
        root
    }

    const HASHES: &str =
        "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\ncss: C-C_CCCCCCCCCCCCCCCCCC\n";

    #[test]
    fn hashed_names_come_from_the_hash_file_when_the_files_exist() {
        let root = site_with(&[
            "pkg/parley.AAAAAAAAAAAAAAAAAAAAAA.js",
            "pkg/parley.BBBBBBBBBBBBBBBBBBBBBB.wasm",
            "pkg/parley.C-C_CCCCCCCCCCCCCCCCCC.css",
        ]);
        let hash_file = root.join(HASH_FILE);
        std::fs::write(&hash_file, HASHES).expect("write");
        let bundle = Bundle::from_hash_file(&root, "pkg", "parley", Some(&hash_file));
        assert_eq!(bundle.wasm, "/pkg/parley.BBBBBBBBBBBBBBBBBBBBBB.wasm");
        assert_eq!(bundle.css, "/pkg/parley.C-C_CCCCCCCCCCCCCCCCCC.css");
        assert!(bundle.is_immutable("/pkg/parley.AAAAAAAAAAAAAAAAAAAAAA.js"));
        assert!(!bundle.is_immutable("/pkg/snippets/x/inline0.js"));
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn missing_stale_or_malformed_hash_files_fall_back_to_plain_names() {
        let root = site_with(&["pkg/parley.js"]);
        let plain = Bundle::from_hash_file(&root, "pkg", "parley", None);
        assert_eq!(plain.js, "/pkg/parley.js");
        assert!(!plain.is_immutable("/pkg/parley.js"));

        let hash_file = root.join(HASH_FILE);
        std::fs::write(&hash_file, HASHES).expect("write");
        // The hash file names files this site root does not have.
        assert_eq!(
            Bundle::from_hash_file(&root, "pkg", "parley", Some(&hash_file)),
            plain
        );
        std::fs::write(&hash_file, "js: ../../etc\nwasm: x\ncss: y\n").expect("write");
        assert_eq!(
            Bundle::from_hash_file(&root, "pkg", "parley", Some(&hash_file)),
            plain
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_split_build_lists_its_loader_and_every_chunk_once() {
        let root = site_with(&[
            "pkg/parley.AAAAAAAAAAAAAAAAAAAAAA.js",
            "pkg/parley.BBBBBBBBBBBBBBBBBBBBBB.wasm",
            "pkg/parley.C-C_CCCCCCCCCCCCCCCCCC.css",
            "pkg/__wasm_split.LLLLLLLLLLLLLLLLLLLLLL.js",
            "pkg/chunk_1.XXXXXXXXXXXXXXXXXXXXXX.wasm",
            "pkg/split_room.YYYYYYYYYYYYYYYYYYYYYY.wasm",
        ]);
        std::fs::write(
            root.join("pkg/__wasm_split_manifest.MMMMMMMMMMMMMMMMMMMMMM.json"),
            r#"{"room": ["chunk_1.XXXXXXXXXXXXXXXXXXXXXX", "split_room.YYYYYYYYYYYYYYYYYYYYYY"],
                "landing": ["chunk_1.XXXXXXXXXXXXXXXXXXXXXX", "../../etc/passwd", "gone.ZZ"]}"#,
        )
        .expect("write");
        let hash_file = root.join(HASH_FILE);
        std::fs::write(
            &hash_file,
            format!("{HASHES}manifest: MMMMMMMMMMMMMMMMMMMMMM\nsplit: LLLLLLLLLLLLLLLLLLLLLL\n"),
        )
        .expect("write");
        let bundle = Bundle::from_hash_file(&root, "pkg", "parley", Some(&hash_file));
        // Shared chunks once; a path outside the site and a chunk missing on disk never.
        assert_eq!(
            bundle.chunks,
            [
                "/pkg/__wasm_split.LLLLLLLLLLLLLLLLLLLLLL.js",
                "/pkg/chunk_1.XXXXXXXXXXXXXXXXXXXXXX.wasm",
                "/pkg/split_room.YYYYYYYYYYYYYYYYYYYYYY.wasm",
            ]
        );
        assert!(bundle.is_immutable("/pkg/chunk_1.XXXXXXXXXXXXXXXXXXXXXX.wasm"));
        assert_eq!(bundle.files().count(), 6);

        // Unhashed, the plain names; revalidated rather than immutable.
        std::fs::write(
            root.join("pkg/__wasm_split_manifest.json"),
            r#"{"room": ["chunk_1"]}"#,
        )
        .expect("write");
        std::fs::write(root.join("pkg/chunk_1.wasm"), b"x").expect("write");
        std::fs::write(
            root.join("pkg/__wasm_split.______________________.js"),
            b"x",
        )
        .expect("write");
        let plain = Bundle::from_hash_file(&root, "pkg", "parley", None);
        assert_eq!(
            plain.chunks,
            [
                "/pkg/__wasm_split.______________________.js",
                "/pkg/chunk_1.wasm"
            ]
        );
        assert!(!plain.is_immutable("/pkg/chunk_1.wasm"));
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn an_unsplit_build_or_a_malformed_manifest_gives_no_chunks() {
        let root = site_with(&["pkg/parley.js"]);
        let plain = Bundle::from_hash_file(&root, "pkg", "parley", None);
        assert!(plain.chunks.is_empty());
        std::fs::write(root.join("pkg/__wasm_split_manifest.json"), "not json").expect("write");
        assert!(Bundle::from_hash_file(&root, "pkg", "parley", None)
            .chunks
            .is_empty());
        let _ = std::fs::remove_dir_all(root);
    }
}
