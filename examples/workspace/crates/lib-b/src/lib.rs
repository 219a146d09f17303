//! Compression on top of lib-c's settings; zstd-sys compiles C in its build script.

/// Compresses and decompresses `data`, returning the compressed size.
pub fn roundtrip(data: &[u8]) -> std::io::Result<usize> {
    let settings = lib_c::settings_for("lib-b");
    let compressed = zstd::encode_all(data, i32::from(settings.level))?;
    let restored = zstd::decode_all(compressed.as_slice())?;
    assert_eq!(restored, data, "zstd round trip changed the data");
    Ok(compressed.len())
}
