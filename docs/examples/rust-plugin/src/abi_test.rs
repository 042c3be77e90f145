//! Checks src/abi.rs against <moltbot/plugin.h> itself, so that a slip in the hand-written bindings fails `cargo test`
//! instead of corrupting memory at run time. The test asks the C compiler (`$CC`, else `cc`):
//!  - the preprocessor lists every `MB_*` macro and the header's struct and function-pointer typedefs: each must have
//!    a Rust counterpart, so a header that grew is noticed;
//!  - a generated C program prints the size and alignment of every struct and function-pointer type, the offset and
//!    size of every field, and the value of every macro; Rust computes the same lines and both sets must be equal.
//!
//! The header is found through MOLTBOT_PLUGIN_CFLAGS (e.g. `-I/opt/moltbot/include`), else through
//! `pkg-config --cflags moltbot-plugin` (docs/plugin-authoring.md).
use crate::abi::*;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

struct StructLayout {
    name: &'static str,
    size: usize,
    align: usize,
    fields: Vec<(&'static str, usize, usize)>, // name, offset, size
}

fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

macro_rules! structs {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {
        vec![$(StructLayout {
            name: stringify!($ty),
            size: size_of::<$ty>(),
            align: align_of::<$ty>(),
            fields: vec![$((stringify!($field), offset_of!($ty, $field), field_size(|s: &$ty| &s.$field))),*],
        }),*]
    };
}

/// Every struct the header defines (mb_instance is opaque: declared, never defined), with every field in order.
fn rust_structs() -> Vec<StructLayout> {
    structs! {
        mb_error { struct_size, code, http_status, message_capacity, retry_after_ms, message }
        mb_call { struct_size, reserved0, emit, is_cancelled, host_data }
        mb_http_request {
            struct_size, timeout_ms, method, url, headers, headers_len, body, body_len, on_head, on_body, user
        }
        mb_host_api {
            struct_size, abi_version, host_name, host_version, host_ctx, log, config_get, secret_get, http_request,
            get_service
        }
        mb_provider_vtable { struct_size, reserved0, create, destroy, list_models, complete, stream, get_extension }
        mb_provider_descriptor {
            struct_size, capabilities, id, name, version, vendor, url, description, prefixes, apis, vtable
        }
        mb_host_info { struct_size, abi_min, abi_max, reserved0, host_name, host_version }
        mb_plugin_entry { struct_size, abi_version, provider_count, reserved0, providers, init, deinit }
    }
}

/// The header's function-pointer typedefs: (name, size, alignment).
fn rust_fn_typedefs() -> Vec<(&'static str, usize, usize)> {
    vec![
        ("mb_http_head_fn", size_of::<mb_http_head_fn>(), align_of::<mb_http_head_fn>()),
        ("mb_http_body_fn", size_of::<mb_http_body_fn>(), align_of::<mb_http_body_fn>()),
        ("mb_negotiate_fn", size_of::<mb_negotiate_fn>(), align_of::<mb_negotiate_fn>()),
    ]
}

macro_rules! constants {
    ($($name:ident),* $(,)?) => { vec![$((stringify!($name), $name as i64)),*] };
}

/// Every integer macro of the header.
fn rust_constants() -> Vec<(&'static str, i64)> {
    constants![
        MB_ABI_CURRENT_MAJOR, MB_ABI_CURRENT_MINOR, MB_ABI_CURRENT,
        MB_OK, MB_ERR_INVALID_ARGUMENT, MB_ERR_UNSUPPORTED, MB_ERR_INCOMPATIBLE, MB_ERR_CANCELLED, MB_ERR_TIMEOUT,
        MB_ERR_TRANSPORT, MB_ERR_HTTP, MB_ERR_AUTH, MB_ERR_PAYMENT, MB_ERR_RATE_LIMITED, MB_ERR_NOT_FOUND,
        MB_ERR_UPSTREAM_PROTOCOL, MB_ERR_INTERNAL, MB_ERR_BUFFER_TOO_SMALL, MB_ERR_INVALID_REQUEST,
        MB_ERR_MODERATION, MB_ERR_UNAVAILABLE,
        MB_EVENT_TEXT_DELTA, MB_EVENT_TOOL_CALL_DELTA, MB_EVENT_REASONING_DELTA, MB_EVENT_USAGE, MB_EVENT_DONE,
        MB_EVENT_RESPONSE, MB_EVENT_MODEL, MB_EVENT_NOTICE, MB_EVENT_META,
        MB_LOG_DEBUG, MB_LOG_INFO, MB_LOG_WARNING, MB_LOG_ERROR,
        MB_CAP_STREAM, MB_CAP_TOOLS, MB_CAP_LIST_MODELS, MB_CAP_REASONING, MB_CAP_PROMPT_CACHE,
        MB_CAP_CONFIG_PREFIXES, MB_CAP_NO_API_KEY,
    ]
}

/// The function-like macros, mirrored as `const fn`s: a sample call of each, as C source and as the Rust result.
fn rust_macro_calls() -> Vec<(&'static str, &'static str, i64)> {
    vec![
        ("MB_ABI_MAKE_VERSION", "MB_ABI_MAKE_VERSION(0x123, 0x4567)", MB_ABI_MAKE_VERSION(0x123, 0x4567) as i64),
        ("MB_ABI_VERSION_MAJOR", "MB_ABI_VERSION_MAJOR(0x89ABCDEFu)", MB_ABI_VERSION_MAJOR(0x89AB_CDEF) as i64),
        ("MB_ABI_VERSION_MINOR", "MB_ABI_VERSION_MINOR(0x89ABCDEFu)", MB_ABI_VERSION_MINOR(0x89AB_CDEF) as i64),
    ]
}

/// Macros with no Rust counterpart, on purpose: the export attribute (`#[no_mangle] pub extern "C"` in Rust).
const NOT_MIRRORED: &[&str] = &["MB_EXPORT"];

// ---- Asking the C compiler ----------------------------------------------------------------------------------------

fn header_cflags() -> Vec<String> {
    let flags = match std::env::var("MOLTBOT_PLUGIN_CFLAGS") {
        Ok(flags) => flags,
        Err(_) => {
            let out = Command::new("pkg-config").args(["--cflags", "moltbot-plugin"]).output();
            match out {
                Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
                _ => panic!("cannot find <moltbot/plugin.h>: set MOLTBOT_PLUGIN_CFLAGS=-I<include dir>, or \
                             PKG_CONFIG_PATH so that `pkg-config --cflags moltbot-plugin` works"),
            }
        }
    };
    flags.split_whitespace().map(str::to_owned).collect()
}

fn compiler() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(out.status.success(), "{command:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn preprocess(dir: &Path, flags: &[String], extra: &str) -> String {
    let probe = dir.join("probe.c");
    std::fs::write(&probe, "#include <moltbot/plugin.h>\n").unwrap();
    run(Command::new(compiler()).args(flags).args(["-std=c11", "-E", extra]).arg(&probe))
}

/// What the header declares, from the preprocessor: object-like and function-like `MB_*` macros, defined structs and
/// function-pointer typedefs.
#[derive(Default)]
struct Declared {
    constants: BTreeSet<String>,
    strings: BTreeSet<String>,
    function_macros: BTreeSet<String>,
    structs: BTreeSet<String>,
    fn_typedefs: BTreeSet<String>,
}

fn declared(dir: &Path, flags: &[String]) -> Declared {
    let mut found = Declared::default();
    for line in preprocess(dir, flags, "-dM").lines() {
        let Some(rest) = line.strip_prefix("#define ") else { continue };
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.starts_with("MB_") || NOT_MIRRORED.contains(&name.as_str()) {
            continue;
        }
        let after = &rest[name.len()..];
        if after.starts_with('(') {
            found.function_macros.insert(name);
        } else if after.trim_start().starts_with('"') {
            found.strings.insert(name);
        } else {
            found.constants.insert(name);
        }
    }

    // Tokens of the preprocessed header, line markers dropped.
    let source = preprocess(dir, flags, "-P");
    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_alphanumeric() || **c == '_') {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            chars.next();
        }
    }
    let (mut depth, mut in_typedef) = (0, false);
    for (i, token) in tokens.iter().enumerate() {
        let next = |n: usize| tokens.get(i + n).map(String::as_str).unwrap_or("");
        match token.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            ";" if depth == 0 => in_typedef = false,
            "typedef" if depth == 0 => in_typedef = true,
            "struct" if next(1).starts_with("mb_") && next(2) == "{" => {
                found.structs.insert(next(1).to_owned());
            }
            "(" if in_typedef && depth == 0 && next(1) == "*" && next(2).starts_with("mb_") && next(3) == ")" => {
                found.fn_typedefs.insert(next(2).to_owned());
            }
            _ => {}
        }
    }
    found
}

fn compare(what: &str, header: &BTreeSet<String>, rust: &BTreeSet<String>) {
    let missing: Vec<_> = header.difference(rust).collect();
    let extra: Vec<_> = rust.difference(header).collect();
    assert!(missing.is_empty() && extra.is_empty(),
            "{what}: in the header but not in src/abi.rs: {missing:?}; in src/abi.rs but not in the header: {extra:?}");
}

#[test]
fn bindings_match_the_c_header() {
    let dir = Scratch(std::env::temp_dir().join(format!("moltbot-abi-test-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let flags = header_cflags();
    let header = declared(&dir.0, &flags);

    let structs = rust_structs();
    let constants = rust_constants();
    let fn_typedefs = rust_fn_typedefs();
    let macro_calls = rust_macro_calls();
    let names = |list: &mut dyn Iterator<Item = &str>| list.map(str::to_owned).collect::<BTreeSet<_>>();
    compare("structs", &header.structs, &names(&mut structs.iter().map(|s| s.name)));
    compare("function-pointer typedefs", &header.fn_typedefs, &names(&mut fn_typedefs.iter().map(|t| t.0)));
    compare("integer macros", &header.constants, &names(&mut constants.iter().map(|c| c.0)));
    compare("string macros", &header.strings, &names(&mut ["MB_ENTRY_SYMBOL"].into_iter()));
    compare("function-like macros", &header.function_macros, &names(&mut macro_calls.iter().map(|m| m.0)));

    // The same report from both languages.
    let mut c = String::from("#include <moltbot/plugin.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n");
    let mut expected = BTreeSet::new();
    for s in &structs {
        writeln!(c, r#"printf("struct {0} %zu %zu\n", sizeof({0}), _Alignof({0}));"#, s.name).unwrap();
        expected.insert(format!("struct {} {} {}", s.name, s.size, s.align));
        for (field, offset, size) in &s.fields {
            writeln!(c, r#"printf("field {0}.{1} %zu %zu\n", offsetof({0}, {1}), sizeof((({0} *)0)->{1}));"#, s.name,
                     field).unwrap();
            expected.insert(format!("field {}.{} {} {}", s.name, field, offset, size));
        }
    }
    for (name, size, align) in &fn_typedefs {
        writeln!(c, r#"printf("typedef {0} %zu %zu\n", sizeof({0}), _Alignof({0}));"#, name).unwrap();
        expected.insert(format!("typedef {name} {size} {align}"));
    }
    for (name, value) in &constants {
        writeln!(c, r#"printf("const {0} %lld\n", (long long)({0}));"#, name).unwrap();
        expected.insert(format!("const {name} {value}"));
    }
    for (_, call, value) in &macro_calls {
        writeln!(c, r#"printf("call {0} %lld\n", (long long)({0}));"#, call).unwrap();
        expected.insert(format!("call {call} {value}"));
    }
    c.push_str("printf(\"string MB_ENTRY_SYMBOL %s\\n\", MB_ENTRY_SYMBOL);\nreturn 0;\n}\n");
    expected.insert(format!("string MB_ENTRY_SYMBOL {MB_ENTRY_SYMBOL}"));

    let (source, program) = (dir.0.join("layout.c"), dir.0.join("layout"));
    std::fs::write(&source, c).unwrap();
    run(Command::new(compiler()).args(&flags).args(["-std=c11", "-o"]).arg(&program).arg(&source));
    let actual: BTreeSet<String> = run(&mut Command::new(&program)).lines().map(str::to_owned).collect();

    let only_c: Vec<_> = actual.difference(&expected).collect();
    let only_rust: Vec<_> = expected.difference(&actual).collect();
    assert!(only_c.is_empty() && only_rust.is_empty(),
            "src/abi.rs disagrees with the C header.\nC says:\n  {}\nRust says:\n  {}",
            only_c.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
            only_rust.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "));
}
