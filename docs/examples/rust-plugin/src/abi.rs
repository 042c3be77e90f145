//! Rust bindings for the whole of <moltbot/plugin.h> (ABI 1.1), written by hand with only the standard library.
//!
//! Every struct is #[repr(C)] with the header's field order and types; every macro of the header has a constant or a
//! `const fn` of the same name; nullable C function pointers are `Option<unsafe extern "C" fn ...>`, so that NULL
//! means "unsupported" and reads as `None`. src/abi_test.rs checks all of it against the C header itself (sizes,
//! alignments, field offsets, every `MB_*` value): run `cargo test` after updating the header.
//!
//! Copy this file as is into your own plugin; nothing in it is specific to this example.
#![allow(non_camel_case_types, non_snake_case, dead_code)]

use std::os::raw::{c_char, c_void};

// ---- Versions ----------------------------------------------------------------------------------------------------

/// MB_ABI_MAKE_VERSION
pub const fn MB_ABI_MAKE_VERSION(major: u32, minor: u32) -> u32 {
    (major << 16) | minor
}
/// MB_ABI_VERSION_MAJOR
pub const fn MB_ABI_VERSION_MAJOR(version: u32) -> u32 {
    version >> 16
}
/// MB_ABI_VERSION_MINOR
pub const fn MB_ABI_VERSION_MINOR(version: u32) -> u32 {
    version & 0xFFFF
}

/// The version these bindings describe.
pub const MB_ABI_CURRENT_MAJOR: u32 = 1;
pub const MB_ABI_CURRENT_MINOR: u32 = 1;
pub const MB_ABI_CURRENT: u32 = MB_ABI_MAKE_VERSION(MB_ABI_CURRENT_MAJOR, MB_ABI_CURRENT_MINOR);

/// The one exported symbol of every plugin, fixed forever (export it with `#[no_mangle]`).
pub const MB_ENTRY_SYMBOL: &str = "moltbot_plugin_negotiate";

// ---- Status codes: 0 is success, negative values are never renumbered -------------------------------------------

pub const MB_OK: i32 = 0;
pub const MB_ERR_INVALID_ARGUMENT: i32 = -1;
pub const MB_ERR_UNSUPPORTED: i32 = -2;
pub const MB_ERR_INCOMPATIBLE: i32 = -3;
pub const MB_ERR_CANCELLED: i32 = -4;
pub const MB_ERR_TIMEOUT: i32 = -5;
pub const MB_ERR_TRANSPORT: i32 = -6;
pub const MB_ERR_HTTP: i32 = -7;
pub const MB_ERR_AUTH: i32 = -8;
pub const MB_ERR_PAYMENT: i32 = -9;
pub const MB_ERR_RATE_LIMITED: i32 = -10;
pub const MB_ERR_NOT_FOUND: i32 = -11;
pub const MB_ERR_UPSTREAM_PROTOCOL: i32 = -12;
pub const MB_ERR_INTERNAL: i32 = -13;
pub const MB_ERR_BUFFER_TOO_SMALL: i32 = -14;
pub const MB_ERR_INVALID_REQUEST: i32 = -15;
pub const MB_ERR_MODERATION: i32 = -16;
pub const MB_ERR_UNAVAILABLE: i32 = -17;

// ---- Errors -------------------------------------------------------------------------------------------------------

/// Host-owned. The host zeroes it and points `message` at a buffer before each call; a plugin that fails fills it.
#[repr(C)]
pub struct mb_error {
    pub struct_size: u32,
    pub code: i32,
    pub http_status: i32,
    pub message_capacity: u32,
    pub retry_after_ms: i64,
    pub message: *mut c_char,
}

// ---- Calls and events ---------------------------------------------------------------------------------------------

pub const MB_EVENT_TEXT_DELTA: u32 = 1;
pub const MB_EVENT_TOOL_CALL_DELTA: u32 = 2;
pub const MB_EVENT_REASONING_DELTA: u32 = 3;
pub const MB_EVENT_USAGE: u32 = 4;
pub const MB_EVENT_DONE: u32 = 5;
pub const MB_EVENT_RESPONSE: u32 = 6;
pub const MB_EVENT_MODEL: u32 = 7;
pub const MB_EVENT_NOTICE: u32 = 8;
pub const MB_EVENT_META: u32 = 9;

/// `mb_call.emit`: deliver one event; non-zero asks the plugin to stop.
pub type mb_emit_fn = unsafe extern "C" fn(call: *mut mb_call, kind: u32, json: *const c_char, json_len: usize) -> i32;
/// `mb_call.is_cancelled`
pub type mb_is_cancelled_fn = unsafe extern "C" fn(call: *mut mb_call) -> i32;

/// Host-owned context of one plugin call, valid until that function returns.
#[repr(C)]
pub struct mb_call {
    pub struct_size: u32,
    pub reserved0: u32,
    pub emit: Option<mb_emit_fn>,
    pub is_cancelled: Option<mb_is_cancelled_fn>,
    pub host_data: *mut c_void,
}

// ---- Host services ------------------------------------------------------------------------------------------------

pub const MB_LOG_DEBUG: i32 = 0;
pub const MB_LOG_INFO: i32 = 1;
pub const MB_LOG_WARNING: i32 = 2;
pub const MB_LOG_ERROR: i32 = 3;

/// The header's `mb_http_head_fn` (a nullable pointer in C, hence the Option).
pub type mb_http_head_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, http_status: i32, headers: *const c_char, headers_len: usize) -> i32>;
/// The header's `mb_http_body_fn`.
pub type mb_http_body_fn = Option<unsafe extern "C" fn(user: *mut c_void, data: *const c_char, len: usize) -> i32>;

/// Plugin-owned, borrowed by the host for the duration of http_request.
#[repr(C)]
pub struct mb_http_request {
    pub struct_size: u32,
    pub timeout_ms: u32,
    pub method: *const c_char,
    pub url: *const c_char,
    pub headers: *const c_char,
    pub headers_len: usize,
    pub body: *const c_char,
    pub body_len: usize,
    pub on_head: mb_http_head_fn,
    pub on_body: mb_http_body_fn,
    pub user: *mut c_void,
}

/// `mb_host_api.log`
pub type mb_log_fn = unsafe extern "C" fn(host_ctx: *mut c_void, level: i32, message: *const c_char, message_len: usize);
/// `mb_host_api.config_get` and `secret_get`: the buffer-size protocol of the header.
pub type mb_lookup_fn =
    unsafe extern "C" fn(host_ctx: *mut c_void, key: *const c_char, buf: *mut c_char, len: *mut usize) -> i32;
/// `mb_host_api.http_request`
pub type mb_http_request_fn = unsafe extern "C" fn(host_ctx: *mut c_void, call: *mut mb_call,
                                                   request: *const mb_http_request, error: *mut mb_error) -> i32;
/// `mb_host_api.get_service`
pub type mb_get_service_fn = unsafe extern "C" fn(host_ctx: *mut c_void, id: *const c_char) -> *const c_void;

/// The host's function table, handed to the plugin at init and valid until deinit returns.
#[repr(C)]
pub struct mb_host_api {
    pub struct_size: u32,
    pub abi_version: u32,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
    pub host_ctx: *mut c_void,
    pub log: Option<mb_log_fn>,
    pub config_get: Option<mb_lookup_fn>,
    pub secret_get: Option<mb_lookup_fn>,
    pub http_request: Option<mb_http_request_fn>,
    pub get_service: Option<mb_get_service_fn>,
}

// ---- Providers ----------------------------------------------------------------------------------------------------

/// Plugin-defined; the host only passes the pointer around (cast your own boxed state to and from it).
#[repr(C)]
pub struct mb_instance {
    _private: [u8; 0],
}

pub const MB_CAP_STREAM: u32 = 0x1;
pub const MB_CAP_TOOLS: u32 = 0x2;
pub const MB_CAP_LIST_MODELS: u32 = 0x4;
pub const MB_CAP_REASONING: u32 = 0x8;
pub const MB_CAP_PROMPT_CACHE: u32 = 0x10;
pub const MB_CAP_CONFIG_PREFIXES: u32 = 0x20;
/// since 1.1: the provider needs no API key; ignored by the host from a plugin that negotiated 1.0.
pub const MB_CAP_NO_API_KEY: u32 = 0x40;

/// `mb_provider_vtable.create`
pub type mb_create_fn = unsafe extern "C" fn(host: *const mb_host_api, config_json: *const c_char, config_len: usize,
                                             out: *mut *mut mb_instance, error: *mut mb_error) -> i32;
/// `mb_provider_vtable.destroy`
pub type mb_destroy_fn = unsafe extern "C" fn(instance: *mut mb_instance);
/// `mb_provider_vtable.list_models`
pub type mb_list_models_fn =
    unsafe extern "C" fn(instance: *mut mb_instance, call: *mut mb_call, error: *mut mb_error) -> i32;
/// `mb_provider_vtable.complete` and `stream`
pub type mb_chat_fn = unsafe extern "C" fn(instance: *mut mb_instance, request_json: *const c_char, request_len: usize,
                                           options_json: *const c_char, options_len: usize, call: *mut mb_call,
                                           error: *mut mb_error) -> i32;
/// `mb_provider_vtable.get_extension`
pub type mb_get_extension_fn = unsafe extern "C" fn(instance: *mut mb_instance, id: *const c_char) -> *const c_void;

#[repr(C)]
pub struct mb_provider_vtable {
    pub struct_size: u32,
    pub reserved0: u32,
    pub create: Option<mb_create_fn>,
    pub destroy: Option<mb_destroy_fn>,
    pub list_models: Option<mb_list_models_fn>,
    pub complete: Option<mb_chat_fn>,
    pub stream: Option<mb_chat_fn>,
    pub get_extension: Option<mb_get_extension_fn>,
}

/// A static description of one provider. Reading it needs no init, no network and no secrets.
#[repr(C)]
pub struct mb_provider_descriptor {
    pub struct_size: u32,
    pub capabilities: u32,
    pub id: *const c_char,
    pub name: *const c_char,
    pub version: *const c_char,
    pub vendor: *const c_char,
    pub url: *const c_char,
    pub description: *const c_char,
    pub prefixes: *const *const c_char,
    pub apis: *const *const c_char,
    pub vtable: *const mb_provider_vtable,
}

// ---- Entry and negotiation ----------------------------------------------------------------------------------------

/// Host-owned, borrowed for the duration of the negotiate call.
#[repr(C)]
pub struct mb_host_info {
    pub struct_size: u32,
    pub abi_min: u32,
    pub abi_max: u32,
    pub reserved0: u32,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
}

/// `mb_plugin_entry.init`
pub type mb_init_fn = unsafe extern "C" fn(host: *const mb_host_api, error: *mut mb_error) -> i32;
/// `mb_plugin_entry.deinit`
pub type mb_deinit_fn = unsafe extern "C" fn();

/// Plugin-owned, static: valid from negotiate until deinit returned.
#[repr(C)]
pub struct mb_plugin_entry {
    pub struct_size: u32,
    pub abi_version: u32,
    pub provider_count: u32,
    pub reserved0: u32,
    pub providers: *const *const mb_provider_descriptor,
    pub init: Option<mb_init_fn>,
    pub deinit: Option<mb_deinit_fn>,
}

/// The header's `mb_negotiate_fn`: the type of `moltbot_plugin_negotiate`.
pub type mb_negotiate_fn =
    Option<unsafe extern "C" fn(host: *const mb_host_info, entry: *mut *const mb_plugin_entry) -> i32>;

// The 64-bit sizes of docs/abi.md §3, checked at compile time (src/abi_test.rs checks everything against the header).
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<mb_error>() == 32);
    assert!(size_of::<mb_call>() == 32);
    assert!(size_of::<mb_http_request>() == 80);
    assert!(size_of::<mb_host_api>() == 72);
    assert!(size_of::<mb_provider_vtable>() == 56);
    assert!(size_of::<mb_provider_descriptor>() == 80);
    assert!(size_of::<mb_host_info>() == 32);
    assert!(size_of::<mb_plugin_entry>() == 40);
};

/// A static holding raw pointers (which are not Sync by default): the data it points to is immutable and static.
#[repr(transparent)]
pub struct Static<T>(pub T);
unsafe impl<T> Sync for Static<T> {}

/// A NUL-terminated literal as a C string pointer.
#[macro_export]
macro_rules! cstr {
    ($s:expr) => {
        concat!($s, "\0").as_ptr() as *const std::os::raw::c_char
    };
}
