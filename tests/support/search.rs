//! Searching build outputs for values that must not be there (secrets, tokens): a cache
//! export's blobs and a saved image's members, each also decompressed.

use std::io::Read;
use std::path::Path;

/// Finds which of `needles` a set of blobs holds, searching each blob and, for gzip blobs, its
/// decompressed bytes once for all of them.
pub struct Search {
    needles: regex::bytes::Regex,
    /// (needle, where) for every hit.
    pub hits: Vec<(String, String)>,
}

impl Search {
    pub fn new(needles: &[&str]) -> Self {
        let alternatives: Vec<String> = needles.iter().map(|n| regex::escape(n)).collect();
        Search {
            needles: regex::bytes::Regex::new(&alternatives.join("|")).expect("a regex"),
            hits: Vec::new(),
        }
    }

    pub fn blob(&mut self, place: &str, blob: &[u8]) {
        self.bytes(place, blob);
        if blob.starts_with(&[0x1f, 0x8b]) {
            let mut plain = Vec::new();
            flate2::read::MultiGzDecoder::new(blob)
                .read_to_end(&mut plain)
                .expect("a gzip blob decompresses");
            self.bytes(place, &plain);
        }
    }

    pub fn bytes(&mut self, place: &str, bytes: &[u8]) {
        for hit in self.needles.find_iter(bytes) {
            let needle = String::from_utf8_lossy(hit.as_bytes()).into_owned();
            if !self.hits.contains(&(needle.clone(), place.to_owned())) {
                self.hits.push((needle, place.to_owned()));
            }
        }
    }

    /// Every file under `dir`, recursively (a cache export).
    pub fn dir(&mut self, dir: &Path) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                self.dir(&path);
            } else {
                let bytes = std::fs::read(&path).expect("read a blob");
                self.blob(&path.display().to_string(), &bytes);
            }
        }
    }

    /// Every member of a tar archive (`docker save`).
    pub fn tar(&mut self, archive: &Path) {
        let file = std::fs::File::open(archive).expect("open the saved image");
        let mut tar = tar::Archive::new(file);
        for entry in tar.entries().expect("a tar") {
            let mut entry = entry.expect("a member");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read a member");
            let place = format!(
                "{}:{}",
                archive.display(),
                entry.path().expect("path").display()
            );
            self.blob(&place, &bytes);
        }
    }
}
