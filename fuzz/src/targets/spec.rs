//! The build spec: `spec::parse`, then `Spec::resolve` with the input's `--target` and build
//! args, then the parts of the target that become LLB and the image config.
//!
//! Input: the spec text, optionally followed by a `### build-args ###` line and build args
//! ([`super::parse_build_args`]).

use super::{BUILD_ARGS_LINE, parse_build_args};
use crate::check::{
    Layout, assert_clean_abs_path, assert_clean_llb, assert_clean_text, is_clean_component,
};
use cargo_frontend::image_config::image_config;
use cargo_frontend::llb;
use cargo_frontend::platform::Platform;
use cargo_frontend::spec::{self, Target};
use std::collections::BTreeMap;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (spec_text, args_text) = match text.split_once(&format!("\n{BUILD_ARGS_LINE}\n")) {
        Some((spec, args)) => (spec, args),
        None => (text.as_ref(), ""),
    };
    let (target, build_args) = parse_build_args(args_text);
    resolve_and_check(spec_text, target.as_deref(), &build_args);
}

/// Parses and resolves, checks every error and every resolved value. Shared with `build_args`.
pub fn resolve_and_check(text: &str, target: Option<&str>, build_args: &BTreeMap<String, String>) {
    let spec = match spec::parse("Dockerfile", text) {
        Ok(spec) => spec,
        Err(errors) => return check_errors(text, &errors),
    };
    let resolved = spec.resolve(target, build_args);
    let again = spec.resolve(target, build_args);
    match (resolved, again) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "resolving twice gives different targets");
            check_target(&a);
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                a.iter().map(ToString::to_string).collect::<Vec<_>>(),
                b.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "resolving twice gives different errors"
            );
            check_errors(text, &a);
        }
        _ => panic!("resolving twice gives a target once and errors once"),
    }
}

fn check_errors(text: &str, errors: &spec::SpecErrors) {
    assert!(
        errors.iter().next().is_some(),
        "an error result without errors"
    );
    let lines = text.lines().count().max(1);
    for error in errors.iter() {
        let message = error.to_string();
        assert!(!message.trim().is_empty(), "an empty error message");
        if let Some(location) = error.location() {
            assert!(
                location.line >= 1 && location.line <= lines + 1,
                "error at line {} of a {lines}-line spec: {message}",
                location.line
            );
        }
    }
}

/// A secret or ssh mount: a plain id, a clean absolute target outside the frontend's own
/// directories, a shell variable name.
fn check_mounts(mounts: &[spec::SessionMount]) {
    for mount in mounts {
        assert!(
            !mount.id.is_empty()
                && mount
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
            "mount id is not plain: {mount:?}"
        );
        if let Some(target) = &mount.target {
            assert_clean_abs_path("mount target", target);
            assert!(
                target != "/"
                    && !target.starts_with("/cargo-frontend")
                    && !target.starts_with("/workspace"),
                "mount over the frontend's paths: {target:?}"
            );
        }
        if let Some(name) = &mount.env {
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with("CARGO_FRONTEND_"),
                "secret variable name: {name:?}"
            );
        }
        assert!(
            mount.target.is_some() || mount.env.is_some(),
            "a mount of nothing: {mount:?}"
        );
        assert!(mount.mode <= 0o7777, "mode: {mount:?}");
    }
}

fn check_target(target: &Target) {
    let build = &target.build;
    assert!(
        is_clean_component(build.profile_dir()),
        "profile dir is not one path component: {:?}",
        build.profile_dir()
    );
    for arg in build.cargo_args() {
        assert_clean_text("cargo argument", &arg);
    }
    for bin in &build.bins {
        assert!(
            is_clean_component(bin),
            "binary name is not one path component: {bin:?}"
        );
    }
    for command in &target.builder_setup {
        assert!(
            !command.command.contains('\0'),
            "setup command holds a NUL: {command:?}"
        );
        assert!(!command.command.trim().is_empty(), "an empty setup command");
        check_mounts(&command.mounts);
    }
    check_mounts(&target.build_mounts);
    let runtime = &target.runtime;
    assert_clean_abs_path("runtime bin-dir", &runtime.bin_dir);
    for (key, value) in &runtime.env {
        assert!(
            !key.is_empty() && !key.contains('=') && !key.contains('\0'),
            "env name is empty or holds `=` or a NUL: {key:?}"
        );
        assert!(!value.contains('\0'), "env value holds a NUL: {value:?}");
    }
    for (key, value) in &runtime.labels {
        assert!(
            !key.is_empty() && !key.contains('\0'),
            "label name is empty or holds a NUL: {key:?}"
        );
        assert!(!value.contains('\0'), "label value holds a NUL: {value:?}");
    }
    for word in runtime.entrypoint.iter().chain(&runtime.cmd).flatten() {
        assert!(
            !word.contains('\0'),
            "entrypoint/cmd word holds a NUL: {word:?}"
        );
    }
    for text in runtime.workdir.iter().chain(&runtime.user) {
        assert_clean_text("workdir/user", text);
    }
    for port in &runtime.expose {
        let ok = port.split_once('/').is_some_and(|(number, proto)| {
            number.parse::<u16>().is_ok() && ["tcp", "udp", "sctp"].contains(&proto)
        });
        assert!(ok, "exposed port is not PORT/PROTO: {port:?}");
    }

    // The builder image and its setup commands, as LLB.
    let platform = Platform::new("linux", "amd64");
    if let Ok(image) = llb::image(&target.builder_image) {
        let image = image.with_platform(platform.clone()).output();
        let env = BTreeMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]);
        if let Ok(root) = cargo_frontend::lower::builder_root(
            &image,
            &env,
            &target.builder_setup,
            &platform,
            false,
        ) {
            let targets: Vec<&str> = target
                .builder_setup
                .iter()
                .flat_map(|c| &c.mounts)
                .filter_map(|m| m.target.as_deref())
                .collect();
            assert_clean_llb(
                &root,
                &Layout {
                    mount_dest: &|dest| dest == "/" || targets.contains(&dest),
                    copy_dest: &|_| false,
                },
            );
        }
    }
    if let spec::BaseImage::Image(reference) = &runtime.image
        && let Ok(normalized) = llb::normalize_image_ref(reference)
    {
        assert_clean_text("runtime image", &normalized);
    }

    // The image config: valid JSON whatever the values.
    if let Ok(config) = image_config(None, &platform, runtime, &BTreeMap::new(), &BTreeMap::new()) {
        serde_json::from_slice::<serde_json::Value>(&config).expect("image config is JSON");
    }
}
