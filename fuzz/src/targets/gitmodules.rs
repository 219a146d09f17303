//! `.gitmodules` of a git dependency: the submodules the vendoring vertex fetches from the
//! checkout, and the git config that points cargo at them.

use cargo_frontend::helper::git_submodules::{self, Submodule};
use std::path::{Component, Path, PathBuf};

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = Path::new("/cargo-frontend/git/.gitmodules");
    let Ok(wanted) = git_submodules::wanted(file, &text, "file:///cargo-frontend/git") else {
        return;
    };
    let submodules: Vec<Submodule> = wanted
        .iter()
        .map(|w| {
            for part in [&w.name, &w.path] {
                assert!(
                    Path::new(part)
                        .components()
                        .all(|c| matches!(c, Component::Normal(_))),
                    "a name or path that leaves the checkout: {w:?}"
                );
            }
            Submodule {
                url: w.url.clone(),
                git_dir: PathBuf::from("/cargo-frontend/git/.git/modules").join(&w.name),
            }
        })
        .collect();
    let config = git_submodules::insteadof_config(&submodules);
    // One section and one key per submodule: nothing a url holds starts a line or a section.
    assert_eq!(config.lines().count(), 2 * submodules.len(), "{config}");
    for (pair, submodule) in config
        .lines()
        .collect::<Vec<_>>()
        .chunks(2)
        .zip(&submodules)
    {
        assert!(pair[0].starts_with("[url \"file://") && pair[0].ends_with("\"]"));
        assert_eq!(pair[1], format!("\tinsteadOf = {}", submodule.url));
        assert_eq!(pair[0].matches('"').count(), 2, "{config}");
    }
}
