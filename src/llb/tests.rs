//! Graph-level tests: golden digests, decoded op structure, determinism, dedup, caps.
//!
//! Golden digests were computed once by this encoder; two of them are also checked against
//! sources that do not use this code (hand-assembled bytes, and digests published by an
//! independent Rust LLB implementation, denzp's `buildkit-llb`, whose tests pin them).

use std::collections::BTreeMap;

use prost::Message;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::pb::ops as pb;
use crate::platform::Platform;

fn decode(bytes: &[u8]) -> pb::Op {
    pb::Op::decode(bytes).expect("op bytes decode")
}

/// The op with this digest, decoded.
fn op_of(def: &Definition, digest: &Digest) -> pb::Op {
    let i = def
        .ops()
        .iter()
        .position(|op| op.digest == *digest)
        .expect("digest in definition");
    decode(&def.as_pb().def[i])
}

fn head_op(def: &Definition) -> pb::Op {
    op_of(def, def.head())
}

/// The head of `def`, which must be a source op.
fn head_source(def: &Definition) -> pb::SourceOp {
    match head_op(def).op {
        Some(pb::op::Op::Source(src)) => src,
        other => panic!("expected a source op, got {other:?}"),
    }
}

fn exec_of(op: &pb::Op) -> &pb::ExecOp {
    match &op.op {
        Some(pb::op::Op::Exec(e)) => e,
        other => panic!("expected exec, got {other:?}"),
    }
}

fn file_of(op: &pb::Op) -> &pb::FileOp {
    match &op.op {
        Some(pb::op::Op::File(f)) => f,
        other => panic!("expected file op, got {other:?}"),
    }
}

/// Field numbers of the top-level fields of a message, in wire order (a tiny independent reader).
fn wire_tags(mut bytes: &[u8]) -> Vec<u64> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = bytes[0];
            *bytes = &bytes[1..];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        v
    }
    let mut tags = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes);
        tags.push(key >> 3);
        match key & 7 {
            0 => {
                varint(&mut bytes);
            }
            2 => {
                let len = varint(&mut bytes) as usize;
                bytes = &bytes[len..];
            }
            other => panic!("unexpected wire type {other}"),
        }
    }
    tags
}

fn rust_image() -> Output {
    image("rust:1.95")
        .unwrap()
        .with_platform(Platform::new("linux", "amd64"))
        .output()
}

fn context() -> Output {
    local("context")
        .with_session("s1")
        .with_shared_key_hint("context")
        .with_include_patterns(["Cargo.toml", "Cargo.lock", "src/**"])
        .output()
}

/// An exec with a root image, a read-only selector mount, a scratch output and a tmpfs.
fn compile_exec(ctx: &Output) -> ExecOp {
    ExecOp::new(
        "rustc demo 0.1.0 [lib]",
        ["rustc", "--crate-name", "demo", "src/lib.rs"],
    )
    .with_platform(Platform::new("linux", "amd64"))
    .with_cwd("/workspace")
    .with_env("CARGO_PKG_NAME", "demo")
    .with_env("CARGO_PKG_VERSION", "0.1.0")
    .with_root(Mount::readonly(&rust_image()))
    .with_mount(
        "/workspace",
        Mount::readonly(ctx).with_selector("crates/demo"),
    )
    .with_mount("/cargo-frontend/target", Mount::scratch())
    .with_mount("/tmp", Mount::tmpfs())
}

// --- sources ---------------------------------------------------------------------------------

#[test]
fn image_source_matches_hand_assembled_bytes() {
    let def = Definition::marshal(&image("alpine").unwrap().output()).unwrap();
    let id = b"docker-image://docker.io/library/alpine:latest";
    // Op { source(3): SourceOp { identifier(1): id } }
    let mut inner = vec![0x0a, id.len() as u8];
    inner.extend_from_slice(id);
    let mut expected = vec![0x1a, inner.len() as u8];
    expected.extend_from_slice(&inner);
    assert_eq!(def.as_pb().def[0], expected);

    let digest = format!("sha256:{}", hex::encode(Sha256::digest(&expected)));
    assert_eq!(def.head().as_str(), digest);
    // Also pinned by buildkit-llb's tests for `library/alpine:latest`.
    assert_eq!(
        def.head().as_str(),
        "sha256:0e6b31ceed3e6dc542018f35a53a0e857e6a188453d32a2a5bbe7aa2971c1220"
    );
    assert_eq!(def.ops()[0].caps, ["source.image".to_owned()].into());
}

#[test]
fn image_source_with_attr_matches_independent_digest() {
    // buildkit-llb pins this digest for `rustlang/rust:nightly` with resolve mode `default`,
    // which also covers map-entry encoding.
    let out = image("rustlang/rust:nightly")
        .unwrap()
        .with_resolve_mode(ResolveMode::Default)
        .output();
    let def = Definition::marshal(&out).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:792e246751e84b9a5e40c28900d70771a07e8cc920c1039cdddfc6bf69256dfe"
    );
    assert!(def.ops()[0].caps.contains("source.image.resolvemode"));
}

#[test]
fn image_platform_goes_on_the_op() {
    let def = Definition::marshal(&rust_image()).unwrap();
    let op = head_op(&def);
    assert_eq!(
        def.head().as_str(),
        "sha256:ee11d2242b2bec59b629a14930f3278b1c2b0f51d4974f198de31bf5f8dedf80"
    );
    let platform = op.platform.expect("platform set");
    assert_eq!(
        (platform.os.as_str(), platform.architecture.as_str()),
        ("linux", "amd64")
    );
    // Field order on the wire: platform (10) before the source (3), as BuildKit's vtproto
    // marshaller writes it (it re-marshals every op and names vertices by the digest of its own
    // bytes; Docker 28.5's BuildKit named this op by the digest of exactly these bytes).
    let ld = |tag: u8, body: &[u8]| [&[tag << 3 | 2, body.len() as u8][..], body].concat();
    let source = ld(3, &ld(1, b"docker-image://docker.io/library/rust:1.95"));
    let platform = ld(10, &[ld(1, b"amd64"), ld(2, b"linux")].concat());
    assert_eq!(def.as_pb().def[0], [platform, source].concat());
    assert_eq!(wire_tags(&def.as_pb().def[0]), [10, 3]);
}

#[test]
fn local_source_attrs_and_caps() {
    let def = Definition::marshal(&context()).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:fd67f7ab7fd1d8d269ad26ee6063af7f45b6ae06137002de0f10789e35b83941"
    );
    let src = head_source(&def);
    assert_eq!(src.identifier, "local://context");
    let attrs: Vec<(&str, &str)> = src
        .attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            (
                "local.includepattern",
                r#"["Cargo.toml","Cargo.lock","src/**"]"#
            ),
            ("local.session", "s1"),
            ("local.sharedkeyhint", "context"),
        ]
    );
    let caps: Vec<&str> = def.ops()[0].caps.iter().map(String::as_str).collect();
    assert_eq!(
        caps,
        [
            "source.local",
            "source.local.includepatterns",
            "source.local.sessionid",
            "source.local.sharedkeyhint"
        ]
    );
    assert!(head_op(&def).platform.is_none());
}

#[test]
fn empty_attrs_are_left_out() {
    // prost drops empty map values but Go writes them: never send one.
    let out = local("context")
        .with_session("")
        .with_include_patterns(Vec::<String>::new())
        .output();
    let Some(pb::op::Op::Source(src)) = head_op(&Definition::marshal(&out).unwrap()).op else {
        panic!("source op")
    };
    assert!(src.attrs.is_empty());
}

#[test]
fn http_source_with_checksum() {
    let sum = format!("sha256:{}", "ab".repeat(32));
    let out = http("https://static.crates.io/crates/serde/serde-1.0.210.crate")
        .unwrap()
        .with_checksum(&sum)
        .unwrap()
        .with_filename("serde-1.0.210.crate")
        .unwrap()
        .with_perm(0o644)
        .unwrap()
        .output();
    let def = Definition::marshal(&out).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:31ac8d660ac37adf830e9e10030f8e54420542d175cebc119a4995bb86be56ab"
    );
    let src = head_source(&def);
    assert_eq!(src.attrs["http.checksum"], sum);
    assert_eq!(src.attrs["http.filename"], "serde-1.0.210.crate");
    assert_eq!(src.attrs["http.perm"], "0644");
    let caps: Vec<&str> = def.ops()[0].caps.iter().map(String::as_str).collect();
    assert_eq!(
        caps,
        ["source.http", "source.http.checksum", "source.http.perm"]
    );
}

#[test]
fn bad_source_inputs_are_errors() {
    assert!(matches!(
        image("Rust:1"),
        Err(LlbError::InvalidImageRef { .. })
    ));
    assert!(matches!(http("ftp://x"), Err(LlbError::InvalidUrl { .. })));
    assert!(matches!(http("https://"), Err(LlbError::InvalidUrl { .. })));
    let h = http("https://example.com/x").unwrap();
    assert!(matches!(
        h.with_checksum("sha256:ABC"),
        Err(LlbError::InvalidChecksum { .. })
    ));
    let h = http("https://example.com/x").unwrap();
    assert!(matches!(
        h.with_perm(0o10000),
        Err(LlbError::InvalidMode { .. })
    ));
}

#[test]
fn http_urls_are_taken_only_as_the_daemon_would_fetch_them() {
    for bad in [
        "https://user:secret@example.com/x",
        "https://token@example.com/x",
        "https://example.com/x#frag",
        "https://example.com/a/../x",
        " https://example.com/x",
        "https://example.com/x\n",
        "https://example.com/a b",
        "https:///x",
        "file:///etc/passwd",
    ] {
        assert!(
            matches!(http(bad), Err(LlbError::InvalidUrl { .. })),
            "{bad:?} should be refused"
        );
    }
    assert!(http("https://example.com/x?y=1").is_ok());
    assert!(
        http("https://static.crates.io/crates/zstd-sys/zstd-sys-2.0.15+zstd.1.5.7.crate").is_ok()
    );
}

#[test]
fn an_http_file_name_is_one_component() {
    let traversal = format!("{}etc/x.crate", "../".repeat(24));
    for bad in [traversal.as_str(), "/etc/x", "a/b", "..", "", "a\0"] {
        let h = http("https://example.com/x").unwrap();
        assert!(
            matches!(h.with_filename(bad), Err(LlbError::InvalidPath { .. })),
            "{bad:?} should be refused"
        );
    }
}

#[test]
fn file_op_paths_with_dot_dot_or_control_characters_do_not_marshal() {
    let ctx = context();
    for (src, dest) in [
        ("/a/../../b", "/x"),
        ("/a", "/x/../../y"),
        ("/a\0", "/x"),
        ("/a", "/x\n"),
    ] {
        let out = FileOp::scratch("copy")
            .copy(&ctx, src, dest, CopyOptions::default())
            .output();
        assert!(
            matches!(Definition::marshal(&out), Err(LlbError::InvalidPath { .. })),
            "{src:?} -> {dest:?}"
        );
    }
    let out = FileOp::scratch("copy")
        .copy(
            &ctx,
            "/a",
            "/x",
            CopyOptions {
                exclude_patterns: vec!["../x".into()],
                ..Default::default()
            },
        )
        .output();
    assert!(matches!(
        Definition::marshal(&out),
        Err(LlbError::InvalidPath { .. })
    ));
}

#[test]
fn exec_paths_env_and_args_from_input_are_checked() {
    let base = || ExecOp::new("x", ["/bin/true"]).with_root(Mount::readonly(&rust_image()));
    let refused = |exec: ExecOp| exec.build().is_err();
    assert!(refused(
        base().with_mount("/deps/../../x", Mount::scratch())
    ));
    assert!(refused(base().with_mount("/deps/a\nb", Mount::scratch())));
    assert!(refused(base().with_cwd("/a/../..")));
    assert!(refused(base().with_env("A\0", "x")));
    assert!(refused(base().with_env("A", "x\0y")));
    assert!(refused(
        ExecOp::new("x", ["/bin/true", "a\0b"]).with_root(Mount::readonly(&rust_image()))
    ));
    assert!(refused(base().with_mount(
        "/src",
        Mount::readonly(&context()).with_selector("/a/../../etc")
    )));
    // A newline in a value is fine: cargo passes package descriptions that have them.
    assert!(!refused(
        base().with_env("CARGO_PKG_DESCRIPTION", "two\nlines")
    ));
}

// --- exec ------------------------------------------------------------------------------------

#[test]
fn exec_mounts_outputs_and_inputs() {
    let ctx = context();
    let exec = compile_exec(&ctx).build().unwrap();
    let target = exec.output_of("/cargo-frontend/target").unwrap();
    assert_eq!(target.index(), 0);
    assert!(matches!(
        exec.output_of("/workspace"),
        Err(LlbError::NoSuchOutput { .. })
    ));
    assert!(matches!(exec.root(), Err(LlbError::NoSuchOutput { .. })));

    let def = Definition::marshal(&target).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:e3736d9e3520e1653caacead12ccb98715203986067a25fc308b88ecf71f1903"
    );
    // image, local, exec, return
    assert_eq!(def.as_pb().def.len(), 4);
    let op = head_op(&def);
    let image_digest = def.ops()[0].digest.to_string();
    let local_digest = def.ops()[1].digest.to_string();
    let inputs: Vec<(&str, i64)> = op
        .inputs
        .iter()
        .map(|i| (i.digest.as_str(), i.index))
        .collect();
    assert_eq!(
        inputs,
        [(image_digest.as_str(), 0), (local_digest.as_str(), 0)]
    );

    let e = exec_of(&op);
    let mounts: Vec<(&str, i64, i64, bool, i32, &str)> = e
        .mounts
        .iter()
        .map(|m| {
            (
                m.dest.as_str(),
                m.input,
                m.output,
                m.readonly,
                m.mount_type,
                m.selector.as_str(),
            )
        })
        .collect();
    let (bind, tmpfs) = (pb::MountType::Bind as i32, pb::MountType::Tmpfs as i32);
    assert_eq!(
        mounts,
        [
            ("/", 0, -1, true, bind, ""),
            ("/cargo-frontend/target", -1, 0, false, bind, ""),
            ("/tmp", -1, -1, false, tmpfs, ""),
            ("/workspace", 1, -1, true, bind, "/crates/demo"),
        ]
    );
    let meta = e.meta.as_ref().unwrap();
    assert_eq!(meta.env, ["CARGO_PKG_NAME=demo", "CARGO_PKG_VERSION=0.1.0"]);
    assert_eq!(meta.cwd, "/workspace");
    assert_eq!(op.platform.as_ref().unwrap().architecture, "amd64");
    // inputs, platform, then the exec: BuildKit's own order (see image_platform_goes_on_the_op).
    assert_eq!(wire_tags(&def.as_pb().def[2]), [1, 1, 10, 2]);

    let caps: Vec<&str> = def.ops()[2].caps.iter().map(String::as_str).collect();
    assert_eq!(
        caps,
        [
            "exec.meta.base",
            "exec.mount.bind",
            "exec.mount.selector",
            "exec.mount.tmpfs"
        ]
    );
    let md = &def.as_pb().metadata[&def.head().to_string()];
    assert_eq!(md.description["llb.customname"], "rustc demo 0.1.0 [lib]");
}

#[test]
fn exec_outputs_numbered_in_dest_order_and_inputs_deduplicated() {
    let img = rust_image();
    let deps = image("ghcr.io/a/deps:1").unwrap().output();
    let exec = ExecOp::new("two outputs", ["true"])
        .with_mount("/z-out", Mount::scratch())
        .with_mount("/deps/b", Mount::readonly(&deps).with_selector("b"))
        .with_mount("/deps/a", Mount::readonly(&deps).with_selector("/a/"))
        .with_root(Mount::writable(&img))
        .with_mount(
            "/cache",
            Mount::cache("cargo-registry", CacheSharing::Locked),
        )
        .with_mount(
            "/a-out",
            Mount::writable(&deps).with_content_cache(ContentCache::Off),
        )
        .build()
        .unwrap();
    assert_eq!(exec.output_dests(), ["/", "/a-out", "/z-out"]);
    let def = Definition::marshal(&exec.output_of("/z-out").unwrap()).unwrap();
    let op = head_op(&def);
    assert_eq!(def.ops().last().map(|o| o.name.as_str()), Some("return"));
    let ret = decode(def.as_pb().def.last().unwrap());
    assert_eq!(ret.inputs[0].index, 2);

    // Inputs: root image first (dest "/" sorts first), then deps once for three mounts.
    assert_eq!(op.inputs.len(), 2);
    let e = exec_of(&op);
    let mounts: Vec<(&str, i64, i64)> = e
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output))
        .collect();
    assert_eq!(
        mounts,
        [
            ("/", 0, 0),
            ("/a-out", 1, 1),
            ("/cache", -1, -1),
            ("/deps/a", 1, -1),
            ("/deps/b", 1, -1),
            ("/z-out", -1, 2)
        ]
    );
    let cache = &e.mounts[2];
    assert_eq!(cache.mount_type, pb::MountType::Cache as i32);
    let opt = cache.cache_opt.as_ref().unwrap();
    assert_eq!(
        (opt.id.as_str(), opt.sharing),
        ("cargo-registry", pb::CacheSharingOpt::Locked as i32)
    );
    assert_eq!(e.mounts[1].content_cache, pb::MountContentCache::Off as i32);
    assert_eq!(e.mounts[3].selector, "/a");
    let caps = &def
        .ops()
        .iter()
        .find(|o| o.name == "two outputs")
        .unwrap()
        .caps;
    for cap in [
        "exec.mount.cache",
        "exec.mount.cache.sharing",
        "exec.mount.cache.content",
        "exec.mount.selector",
    ] {
        assert!(caps.contains(cap), "missing {cap}");
    }
}

#[test]
fn exec_validation() {
    let img = rust_image();
    let root = || Mount::readonly(&img);
    let err = |e: ExecOp| e.build().err().expect("build fails");
    assert!(matches!(
        err(ExecOp::new("x", Vec::<String>::new()).with_root(root())),
        LlbError::EmptyArgs { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"])),
        LlbError::RootMount { found: 0, .. }
    ));
    assert!(matches!(
        err(ExecOp::new("", ["a"]).with_root(root())),
        LlbError::Unnamed { kind: "exec" }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"]).with_root(Mount::tmpfs())),
        LlbError::RootNotBind { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"])
            .with_root(root())
            .with_mount("//", Mount::scratch())),
        LlbError::DuplicateMount { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"])
            .with_root(root())
            .with_mount("rel", Mount::scratch())),
        LlbError::RelativeMountDest { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"])
            .with_root(root())
            .with_mount("/t", Mount::tmpfs().with_selector("a"))),
        LlbError::InvalidMount { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"])
            .with_root(root())
            .with_env("A=B", "c")),
        LlbError::InvalidExec { .. }
    ));
    assert!(matches!(
        err(ExecOp::new("x", ["a"]).with_root(root()).with_cwd("rel")),
        LlbError::InvalidExec { .. }
    ));
}

// --- file ------------------------------------------------------------------------------------

#[test]
fn file_op_copy_unpack_and_mkfile() {
    let ctx = context();
    let crate_file = http("https://static.crates.io/crates/serde/serde-1.0.210.crate")
        .unwrap()
        .with_checksum(&format!("sha256:{}", "cd".repeat(32)))
        .unwrap()
        .output();
    let out = FileOp::on("vendor serde 1.0.210", &rust_image())
        .mkdir(
            "/cargo-frontend/vendor",
            0o755,
            MkdirOptions { make_parents: true },
        )
        .copy(
            &crate_file,
            "serde-1.0.210.crate",
            "/cargo-frontend/vendor/",
            CopyOptions {
                attempt_unpack: true,
                create_dest_path: true,
                ..CopyOptions::default()
            },
        )
        .mkfile(
            "/cargo-frontend/vendor/serde-1.0.210/.cargo-checksum.json",
            0o644,
            &b"{}"[..],
        )
        .copy(
            &ctx,
            "/",
            "/workspace",
            CopyOptions {
                include_patterns: vec!["src/**".into()],
                ..CopyOptions::default()
            },
        )
        .output();
    let def = Definition::marshal(&out).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:263f5e87009be50f07b5e4bd79705901461649c46a080805c06b4a99213aca44"
    );
    let op = head_op(&def);
    assert!(op.platform.is_none());
    // Inputs: base, then copy sources in order.
    assert_eq!(op.inputs.len(), 3);
    let f = file_of(&op);
    let encoded: Vec<(i64, i64, i64)> = f
        .actions
        .iter()
        .map(|a| (a.input, a.secondary_input, a.output))
        .collect();
    assert_eq!(encoded, [(0, -1, -1), (3, 1, -1), (4, -1, -1), (5, 2, 0)]);

    let Some(pb::file_action::Action::Mkdir(mkdir)) = &f.actions[0].action else {
        panic!("mkdir")
    };
    assert_eq!(
        (mkdir.mode, mkdir.make_parents, mkdir.timestamp),
        (0o755, true, -1)
    );
    let Some(pb::file_action::Action::Copy(copy)) = &f.actions[1].action else {
        panic!("copy")
    };
    assert_eq!(copy.src, "/serde-1.0.210.crate");
    assert_eq!(copy.dest, "/cargo-frontend/vendor/");
    assert!(copy.attempt_unpack_docker_compatibility && copy.create_dest_path);
    assert_eq!((copy.mode, copy.timestamp), (-1, -1));
    let Some(pb::file_action::Action::Mkfile(mkfile)) = &f.actions[2].action else {
        panic!("mkfile")
    };
    assert_eq!(
        (mkfile.mode, mkfile.data.as_slice(), mkfile.timestamp),
        (0o644, &b"{}"[..], -1)
    );

    let caps: Vec<&str> = def
        .ops()
        .iter()
        .find(|o| o.name == "vendor serde 1.0.210")
        .unwrap()
        .caps
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(caps, ["file.base", "file.copy.includeexcludepatterns"]);
}

#[test]
fn file_op_from_scratch_and_errors() {
    let out = FileOp::scratch("config")
        .mkfile("etc/config.toml", 0o600, "x")
        .output();
    let def = Definition::marshal(&out).unwrap();
    let op = head_op(&def);
    assert!(op.inputs.is_empty());
    let a = &file_of(&op).actions[0];
    assert_eq!((a.input, a.secondary_input, a.output), (-1, -1, 0));

    let empty = FileOp::scratch("nothing").output();
    assert!(matches!(
        Definition::marshal(&empty),
        Err(LlbError::EmptyFileOp { .. })
    ));
    let bad_mode = FileOp::scratch("bad")
        .mkdir("/x", 0o40755, MkdirOptions::default())
        .output();
    assert!(matches!(
        Definition::marshal(&bad_mode),
        Err(LlbError::InvalidMode { .. })
    ));
    let unnamed = FileOp::scratch(" ")
        .mkdir("/x", 0o755, MkdirOptions::default())
        .output();
    assert!(matches!(
        Definition::marshal(&unnamed),
        Err(LlbError::Unnamed { kind: "file" })
    ));
}

// --- merge -----------------------------------------------------------------------------------

#[test]
fn merge_op() {
    let img = rust_image();
    let bin = FileOp::scratch("binary")
        .mkfile("/usr/local/bin/demo", 0o755, "bin")
        .output();
    let out = MergeOp::new("merge binaries onto base", &[img.clone(), bin.clone(), img]).output();
    let def = Definition::marshal(&out).unwrap();
    assert_eq!(
        def.head().as_str(),
        "sha256:a5676baf75300b16f075e25d5738ce4ddd3f678affcce42bd85bda84887acf71"
    );
    let op = head_op(&def);
    assert_eq!(op.inputs.len(), 2);
    let Some(pb::op::Op::Merge(m)) = &op.op else {
        panic!("merge")
    };
    let idx: Vec<i64> = m.inputs.iter().map(|i| i.input).collect();
    assert_eq!(idx, [0, 1, 0]);
    assert!(def.ops().iter().any(|o| o.caps.contains("mergeop")));

    let empty = MergeOp::new("empty", &[]).output();
    assert!(matches!(
        Definition::marshal(&empty),
        Err(LlbError::EmptyMerge { .. })
    ));
}

// --- whole definitions -----------------------------------------------------------------------

#[test]
fn same_graph_twice_gives_identical_bytes() {
    let build = || {
        let exec = compile_exec(&context()).build().unwrap();
        Definition::marshal(&exec.output_of("/cargo-frontend/target").unwrap()).unwrap()
    };
    assert_eq!(build(), build());
}

#[test]
fn insertion_order_does_not_change_digests() {
    let ctx_a = local("context")
        .with_session("s")
        .with_shared_key_hint("h")
        .output();
    let ctx_b = local("context")
        .with_shared_key_hint("h")
        .with_session("s")
        .output();
    let img = rust_image();
    let a = ExecOp::new("x", ["true"])
        .with_env("A", "1")
        .with_env("B", "2")
        .with_root(Mount::readonly(&img))
        .with_mount("/src", Mount::readonly(&ctx_a))
        .with_mount("/out", Mount::scratch())
        .build()
        .unwrap();
    let b = ExecOp::new("x", ["true"])
        .with_mount("/out", Mount::scratch())
        .with_mount("/src", Mount::readonly(&ctx_b))
        .with_env("B", "2")
        .with_root(Mount::readonly(&img))
        .with_env("A", "1")
        .build()
        .unwrap();
    let a = Definition::marshal(&a.output_of("/out").unwrap()).unwrap();
    let b = Definition::marshal(&b.output_of("/out").unwrap()).unwrap();
    assert_eq!(a.as_pb().def, b.as_pb().def);
    assert_eq!(a.head(), b.head());
}

#[test]
fn shared_input_is_emitted_once_inputs_first_return_last() {
    let img = rust_image();
    let ctx = context();
    let a = FileOp::on("a", &img)
        .copy(&ctx, "/a", "/a", CopyOptions::default())
        .output();
    let b = FileOp::on("b", &img)
        .copy(&ctx, "/b", "/b", CopyOptions::default())
        .output();
    // A second, separately built but identical image vertex collapses into the same op.
    let img2 = rust_image();
    let out = MergeOp::new("both", &[a, b, img2]).output();
    let def = Definition::marshal(&out).unwrap();
    let names: Vec<&str> = def.ops().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "docker-image://docker.io/library/rust:1.95",
            "local://context",
            "a",
            "b",
            "both",
            "return"
        ]
    );
    let mut seen = std::collections::BTreeSet::new();
    for (i, bytes) in def.as_pb().def.iter().enumerate() {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
        assert_eq!(digest, def.ops()[i].digest.as_str());
        for input in decode(bytes).inputs {
            assert!(
                seen.contains(&input.digest),
                "input {} used before it is defined",
                input.digest
            );
        }
        assert!(seen.insert(digest), "op emitted twice");
        assert!(
            def.as_pb()
                .metadata
                .contains_key(def.ops()[i].digest.as_str())
        );
    }
    let ret = decode(def.as_pb().def.last().unwrap());
    assert!(ret.op.is_none() && ret.platform.is_none());
    assert_eq!(
        ret.inputs,
        [pb::Input {
            digest: def.head().to_string(),
            index: 0
        }]
    );
    let ret_md = &def.as_pb().metadata[def.ops().last().unwrap().digest.as_str()];
    let ret_caps: Vec<&str> = ret_md.caps.keys().map(String::as_str).collect();
    assert_eq!(ret_caps, ["constraints", "meta.description", "platform"]);
}

#[test]
fn deep_chain_marshals_without_recursion() {
    // Building and dropping a 20k-deep chain recurses (Arc drop), so give that a big stack and
    // marshal on a tiny one: a recursive walk would overflow it.
    let big = std::thread::Builder::new().stack_size(256 << 20);
    let len = big
        .spawn(|| {
            let mut out = image("alpine").unwrap().output();
            for i in 0..20_000 {
                out = FileOp::on(format!("step {i}"), &out)
                    .mkdir(&format!("/d{i}"), 0o755, MkdirOptions::default())
                    .output();
            }
            let small = std::thread::Builder::new().stack_size(256 << 10);
            std::thread::scope(|s| {
                small
                    .spawn_scoped(s, || Definition::marshal(&out).unwrap().as_pb().def.len())
                    .unwrap()
                    .join()
                    .unwrap()
            })
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(len, 20_002);
}

#[test]
fn source_locations_are_keyed_by_digest() {
    let spec = SourceFile::with_language("cargo-frontend.toml", "a = 1\nb = 2\n", "toml");
    let out = FileOp::scratch("config")
        .mkfile("/a", 0o644, "a")
        .with_location(Location::lines(&spec, 2, 2))
        .output();
    let def = Definition::marshal(&out).unwrap();
    let source = def.as_pb().source.as_ref().expect("source map");
    assert_eq!(source.infos.len(), 1);
    assert_eq!(source.infos[0].filename, "cargo-frontend.toml");
    assert_eq!(source.infos[0].language, "toml");
    let locs = &source.locations[def.head().as_str()].locations;
    assert_eq!(locs[0].source_index, 0);
    assert_eq!(locs[0].ranges[0].start.unwrap().line, 2);

    let bad = FileOp::scratch("bad")
        .mkfile("/a", 0o644, "a")
        .with_location(Location::lines(&spec, 0, 1))
        .output();
    assert!(matches!(
        Definition::marshal(&bad),
        Err(LlbError::InvalidLocation { .. })
    ));
}

#[test]
fn metadata_does_not_change_digests() {
    let plain = FileOp::scratch("x").mkfile("/a", 0o644, "a").output();
    let fancy = FileOp::scratch("y")
        .mkfile("/a", 0o644, "a")
        .ignore_cache()
        .with_description("k", "v")
        .output();
    let (p, f) = (
        Definition::marshal(&plain).unwrap(),
        Definition::marshal(&fancy).unwrap(),
    );
    assert_eq!(p.head(), f.head());
    let md = &f.as_pb().metadata[f.head().as_str()];
    assert!(md.ignore_cache);
    assert_eq!(
        md.description,
        BTreeMap::from([
            ("k".into(), "v".into()),
            ("llb.customname".into(), "y".into())
        ])
    );
    assert!(f.ops().last().unwrap().caps.contains("meta.ignorecache"));
}

// --- caps ------------------------------------------------------------------------------------

#[test]
fn caps_check_names_first_missing_cap_and_vertex() {
    let bin = FileOp::scratch("binary")
        .mkfile("/bin/demo", 0o755, "x")
        .output();
    let out = MergeOp::new("merge binaries onto base", &[rust_image(), bin]).output();
    let def = Definition::marshal(&out).unwrap();

    let mut all: Vec<String> = def
        .ops()
        .iter()
        .flat_map(|o| o.caps.iter().cloned())
        .collect();
    assert!(Caps::new(all.clone()).check(&def).is_ok());

    all.retain(|c| c != "mergeop");
    let caps = Caps::new(all).with_disabled(
        "mergeop",
        "only enabled with containerd image store backend",
    );
    assert!(!caps.supports("mergeop"));
    let err = caps.check(&def).unwrap_err();
    assert!(
        matches!(&err, LlbError::MissingCap { cap, vertex, .. } if cap == "mergeop" && vertex == "merge binaries onto base")
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "the daemon's BuildKit lacks cap `mergeop` needed by `merge binaries onto base`: "
        ),
        "{msg}"
    );
    assert!(msg.contains("containerd image store"), "{msg}");

    // A pre-caps daemon has no file.base.
    let err = Caps::pre_caps_defaults().check(&def).unwrap_err();
    assert!(matches!(err, LlbError::MissingCap { cap, .. } if cap == "file.base"));
}

#[test]
fn local_follow_paths_and_patterns_from_input_are_checked() {
    let marshal = |local: crate::llb::Local| Definition::marshal(&local.output());
    assert!(matches!(
        marshal(crate::llb::local("context").with_follow_paths(["../../etc/passwd"])),
        Err(LlbError::InvalidPath { .. })
    ));
    assert!(matches!(
        marshal(crate::llb::local("context").with_exclude_patterns(["target\0"])),
        Err(LlbError::InvalidPath { .. })
    ));
    assert!(matches!(
        marshal(crate::llb::local("context").with_include_patterns(["a\nb"])),
        Err(LlbError::InvalidPath { .. })
    ));
    // A pattern may climb (it matches nothing); a path may not.
    assert!(
        marshal(crate::llb::local("context").with_exclude_patterns(["../x", "**/*.rs"])).is_ok()
    );
    // A local's name (a named context's comes from an option) is checked too.
    for bad in ["", "../x", "a\u{1b}b"] {
        assert!(
            matches!(
                marshal(crate::llb::local(bad)),
                Err(LlbError::InvalidPath { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(marshal(crate::llb::local("debian:bookworm-slim")).is_ok());
}

#[test]
fn vertex_names_show_control_characters_escaped() {
    let exec = ExecOp::new("[builder] RUN a\nb\u{1b}[2J", ["/bin/true"])
        .with_root(Mount::readonly(&rust_image()))
        .with_mount("/out", Mount::scratch())
        .build()
        .unwrap();
    let def = Definition::marshal(&exec.output_of("/out").unwrap()).unwrap();
    let names: Vec<&str> = def.ops().iter().map(|op| op.name.as_str()).collect();
    assert!(
        names.contains(&"[builder] RUN a\\nb\\u{1b}[2J"),
        "{names:?}"
    );
}

#[test]
fn the_frontend_image_is_read_from_its_loading_definition() {
    let reference = format!("registry.local/cargo-frontend@sha256:{}", "a".repeat(64));
    let frontend = image(&reference).unwrap().output();
    let bytes = Definition::marshal(&frontend)
        .unwrap()
        .into_pb()
        .encode_to_vec();
    assert_eq!(first_image_source(&bytes), Some(reference));
    assert_eq!(first_image_source(b"not a definition"), None);
    let only_a_local = Definition::marshal(&local("context").output())
        .unwrap()
        .into_pb()
        .encode_to_vec();
    assert_eq!(first_image_source(&only_a_local), None);
}

#[test]
fn git_sources_are_pinned_to_a_commit_and_keep_their_git_dir() {
    let commit = "51e865feaf08dec9d292034acbfcf9881e192af7";
    let out = git("git://127.0.0.1:9418/shared.git", commit)
        .unwrap()
        .with_name("[source] git shared.git")
        .output();
    let def = Definition::marshal(&out).unwrap();
    let src = head_source(&def);
    // The Go client's identifier and attributes (client/llb/source.go `Git`).
    assert_eq!(
        src.identifier,
        format!("git://127.0.0.1:9418/shared.git#{commit}")
    );
    assert_eq!(src.attrs["git.fullurl"], "git://127.0.0.1:9418/shared.git");
    assert_eq!(src.attrs["git.keepgitdir"], "true");
    assert_eq!(src.attrs["git.authtokensecret"], "GIT_AUTH_TOKEN");
    let caps: Vec<&str> = def.ops()[0].caps.iter().map(String::as_str).collect();
    assert_eq!(
        caps,
        ["source.git", "source.git.fullurl", "source.git.keepgitdir"]
    );
    assert!(
        !src.attrs.contains_key("git.mountsshsock"),
        "not for git://"
    );
    assert!(git("https://example.com/org/repo", &"a".repeat(64)).is_ok());
}

#[test]
fn an_ssh_remote_is_fetched_through_the_default_agent() {
    let commit = "51e865feaf08dec9d292034acbfcf9881e192af7";
    let out = git("ssh://git@example.com/org/repo.git", commit)
        .unwrap()
        .with_name("[source] git repo.git")
        .output();
    let def = Definition::marshal(&out).unwrap();
    let src = head_source(&def);
    assert_eq!(src.attrs["git.mountsshsock"], "default");
    assert!(!src.attrs.contains_key("git.knownsshhosts"));
    assert!(
        def.ops()[0]
            .caps
            .iter()
            .any(|cap| cap == "source.git.mountsshsock")
    );
}

#[test]
fn known_hosts_are_sent_for_an_ssh_remote_only() {
    let commit = "51e865feaf08dec9d292034acbfcf9881e192af7";
    let hosts = "example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";
    let attrs = |remote: &str| {
        let out = git(remote, commit)
            .unwrap()
            .with_known_ssh_hosts(hosts)
            .unwrap()
            .with_name("[source] git repo.git")
            .output();
        let def = Definition::marshal(&out).unwrap();
        let src = head_source(&def);
        (src.attrs, def.ops()[0].caps.clone())
    };
    let (ssh, caps) = attrs("ssh://git@example.com/org/repo.git");
    assert_eq!(ssh["git.knownsshhosts"], hosts);
    assert!(caps.iter().any(|cap| cap == "source.git.knownsshhosts"));
    let (https, caps) = attrs("https://example.com/org/repo.git");
    assert!(!https.contains_key("git.knownsshhosts"));
    assert!(!caps.iter().any(|cap| cap == "source.git.knownsshhosts"));
    for bad in ["", "example.com ssh-ed25519 AAAA\r\n", "a\0b"] {
        assert!(
            git("ssh://git@example.com/org/repo.git", commit)
                .unwrap()
                .with_known_ssh_hosts(bad)
                .is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn git_remotes_and_commits_are_taken_only_as_the_daemon_would_fetch_them() {
    let commit = "51e865feaf08dec9d292034acbfcf9881e192af7";
    for bad in [
        "file:///etc",
        "https://user:token@example.com/r.git",
        "https://token@example.com/r.git",
        "https://example.com/r.git?branch=main",
        "https://example.com/r.git#main",
        "https://example.com/a/../r.git",
        "https:///r.git",
        "ext::sh -c touch% /tmp/x",
        " https://example.com/r.git",
    ] {
        assert!(
            matches!(git(bad, commit), Err(LlbError::InvalidUrl { .. })),
            "{bad:?} should be refused"
        );
    }
    for bad in [
        "main",
        "51E865FEAF08DEC9D292034ACBFCF9881E192AF7",
        "51e865f",
        "",
    ] {
        assert!(
            matches!(
                git("https://example.com/r.git", bad),
                Err(LlbError::InvalidCommit { .. })
            ),
            "{bad:?} should be refused"
        );
    }
}
