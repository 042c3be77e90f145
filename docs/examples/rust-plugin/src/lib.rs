//! A moltbot provider plugin in Rust, with only the standard library: it serves the prefix "rust" and greets, streamed
//! (`stream`) or whole (`complete`, used by `moltbot agent --no-stream`). See docs/plugin-authoring.md; build with
//! `cargo build --release --offline` and copy target/release/librust_example.so into ~/.moltbot/plugins/.
//!
//! src/abi.rs mirrors <moltbot/plugin.h>; src/guard.rs keeps panics from crossing into the host. Every `extern "C"`
//! function below runs its body through a guard.
#![deny(unsafe_op_in_unsafe_fn)] // every unsafe operation in an explicit block, also inside unsafe fns

mod abi;
#[cfg(test)]
mod abi_test;
mod guard;

use abi::*;
use guard::{fail, guard, guard_void};
use std::mem::size_of;
use std::os::raw::c_char;
use std::ptr;

/// Per-instance state (none is needed here); boxed and handed to the host as an opaque pointer.
struct Instance;

unsafe extern "C" fn create(_host: *const mb_host_api, _config: *const c_char, _config_len: usize,
                            out: *mut *mut mb_instance, error: *mut mb_error) -> i32 {
    guard(error, || {
        if out.is_null() {
            return unsafe { fail(error, MB_ERR_INVALID_ARGUMENT, "rust: create without an output pointer") };
        }
        unsafe { *out = Box::into_raw(Box::new(Instance)) as *mut mb_instance };
        MB_OK
    })
}

unsafe extern "C" fn destroy(instance: *mut mb_instance) {
    guard_void(|| {
        if !instance.is_null() {
            drop(unsafe { Box::from_raw(instance as *mut Instance) });
        }
    })
}

/// One event; the host borrows `json` only during the call. False when the host asked to stop.
unsafe fn emit(call: *mut mb_call, kind: u32, json: &str) -> bool {
    match unsafe { (*call).emit } {
        Some(emit) => unsafe { emit(call, kind, json.as_ptr() as *const c_char, json.len()) == 0 },
        None => true,
    }
}

/// Built with `--features panic-on-call`, every call panics: tests/rust_plugin checks that the host gets
/// MB_ERR_INTERNAL with the message instead of dying.
fn maybe_panic(function: &str) {
    if cfg!(feature = "panic-on-call") {
        panic!("rust example: {function} panics (built with the panic-on-call feature)");
    }
}

/// [any] Ignores the request (an OpenAI Chat Completions body) and greets in pieces.
unsafe extern "C" fn stream(_instance: *mut mb_instance, _request: *const c_char, _request_len: usize,
                            _options: *const c_char, _options_len: usize, call: *mut mb_call,
                            error: *mut mb_error) -> i32 {
    guard(error, || {
        if call.is_null() {
            return unsafe { fail(error, MB_ERR_INVALID_ARGUMENT, "rust: stream without a call") };
        }
        maybe_panic("stream");
        let events = [
            (MB_EVENT_TEXT_DELTA, r#"{"text":"Hello from "}"#),
            (MB_EVENT_TEXT_DELTA, r#"{"text":"a Rust plugin."}"#),
            (MB_EVENT_USAGE, r#"{"prompt_tokens":1,"completion_tokens":5}"#),
            (MB_EVENT_DONE, r#"{"finish_reason":"stop"}"#),
        ];
        for (kind, json) in events {
            if !unsafe { emit(call, kind, json) } {
                return unsafe { fail(error, MB_ERR_CANCELLED, "rust: cancelled") };
            }
        }
        MB_OK
    })
}

/// [any] The same greeting as one Chat Completions response object.
unsafe extern "C" fn complete(_instance: *mut mb_instance, _request: *const c_char, _request_len: usize,
                              _options: *const c_char, _options_len: usize, call: *mut mb_call,
                              error: *mut mb_error) -> i32 {
    guard(error, || {
        if call.is_null() {
            return unsafe { fail(error, MB_ERR_INVALID_ARGUMENT, "rust: complete without a call") };
        }
        maybe_panic("complete");
        let response = concat!(
            r#"{"id":"rust-1","object":"chat.completion","model":"rust-greeter","choices":[{"index":0,"#,
            r#""message":{"role":"assistant","content":"Hello from a Rust plugin."},"finish_reason":"stop"}],"#,
            r#""usage":{"prompt_tokens":1,"completion_tokens":5}}"#
        );
        if !unsafe { emit(call, MB_EVENT_RESPONSE, response) } {
            return unsafe { fail(error, MB_ERR_CANCELLED, "rust: cancelled") };
        }
        MB_OK
    })
}

unsafe extern "C" fn init(_host: *const mb_host_api, error: *mut mb_error) -> i32 {
    guard(error, || MB_OK)
}

static VTABLE: mb_provider_vtable = mb_provider_vtable {
    struct_size: size_of::<mb_provider_vtable>() as u32,
    reserved0: 0,
    create: Some(create),
    destroy: Some(destroy),
    list_models: None,
    complete: Some(complete),
    stream: Some(stream),
    get_extension: None,
};

static PREFIXES: Static<[*const c_char; 2]> = Static([cstr!("rust"), ptr::null()]);

static DESCRIPTOR: Static<mb_provider_descriptor> = Static(mb_provider_descriptor {
    struct_size: size_of::<mb_provider_descriptor>() as u32,
    capabilities: MB_CAP_STREAM,
    id: cstr!("org.example.rust-greeter"),
    name: cstr!("Rust Greeter"),
    version: cstr!("1.0.0"),
    vendor: cstr!("Example Org"),
    url: ptr::null(),
    description: cstr!("A provider written in Rust that always greets"),
    prefixes: &PREFIXES as *const Static<[*const c_char; 2]> as *const *const c_char,
    apis: ptr::null(),
    vtable: &VTABLE,
});

static PROVIDERS: Static<[*const mb_provider_descriptor; 1]> = Static([&DESCRIPTOR.0]);

static ENTRY: Static<mb_plugin_entry> = Static(mb_plugin_entry {
    struct_size: size_of::<mb_plugin_entry>() as u32,
    abi_version: MB_ABI_CURRENT,
    provider_count: 1,
    reserved0: 0,
    providers: &PROVIDERS as *const Static<[*const mb_provider_descriptor; 1]> as *const *const mb_provider_descriptor,
    init: Some(init),
    deinit: None,
});

/// The one exported symbol (MB_ENTRY_SYMBOL), fixed forever.
///
/// # Safety
/// Called by the moltbot host with valid pointers, as docs/abi.md §2 describes.
#[no_mangle]
pub unsafe extern "C" fn moltbot_plugin_negotiate(host: *const mb_host_info, entry: *mut *const mb_plugin_entry) -> i32 {
    guard(ptr::null_mut(), || unsafe {
        if host.is_null() || entry.is_null() || (*host).struct_size < size_of::<mb_host_info>() as u32 {
            return MB_ERR_INVALID_ARGUMENT;
        }
        if (*host).abi_min > MB_ABI_CURRENT || (*host).abi_max < MB_ABI_CURRENT {
            return MB_ERR_INCOMPATIBLE;
        }
        *entry = &ENTRY.0;
        MB_OK
    })
}
