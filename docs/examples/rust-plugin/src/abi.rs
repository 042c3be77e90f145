//! The parts of <moltbot/plugin.h> (ABI 1.0) this plugin uses, mirrored field by field. Every struct is #[repr(C)]
//! with the header's field order and types; function pointers are Option<...> so that NULL means "unsupported".
//! The const assertions pin the 64-bit sizes of docs/abi.md §3.
#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_void};

pub const fn abi_version(major: u32, minor: u32) -> u32 {
    (major << 16) | minor
}
pub const MB_ABI_1_0: u32 = abi_version(1, 0);

pub const MB_OK: i32 = 0;
pub const MB_ERR_INVALID_ARGUMENT: i32 = -1;
pub const MB_ERR_INCOMPATIBLE: i32 = -3;
pub const MB_ERR_CANCELLED: i32 = -4;

pub const MB_EVENT_TEXT_DELTA: u32 = 1;
pub const MB_EVENT_USAGE: u32 = 4;
pub const MB_EVENT_DONE: u32 = 5;

pub const MB_CAP_STREAM: u32 = 0x1;

#[repr(C)]
pub struct mb_error {
    pub struct_size: u32,
    pub code: i32,
    pub http_status: i32,
    pub message_capacity: u32,
    pub retry_after_ms: i64,
    pub message: *mut c_char,
}

#[repr(C)]
pub struct mb_call {
    pub struct_size: u32,
    pub reserved0: u32,
    pub emit: Option<unsafe extern "C" fn(*mut mb_call, u32, *const c_char, usize) -> i32>,
    pub is_cancelled: Option<unsafe extern "C" fn(*mut mb_call) -> i32>,
    pub host_data: *mut c_void,
}

#[repr(C)]
pub struct mb_host_api {
    pub struct_size: u32,
    pub abi_version: u32,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
    pub host_ctx: *mut c_void,
    pub log: Option<unsafe extern "C" fn(*mut c_void, i32, *const c_char, usize)>,
    pub config_get: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_char, *mut usize) -> i32>,
    pub secret_get: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_char, *mut usize) -> i32>,
    pub http_request: Option<unsafe extern "C" fn(*mut c_void, *mut mb_call, *const c_void, *mut mb_error) -> i32>,
    pub get_service: Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> *const c_void>,
}

/// Plugin-defined; the host only passes the pointer around.
#[repr(C)]
pub struct mb_instance {
    _private: [u8; 0],
}

pub type CallFn = unsafe extern "C" fn(*mut mb_instance, *const c_char, usize, *const c_char, usize, *mut mb_call,
                                       *mut mb_error) -> i32;

#[repr(C)]
pub struct mb_provider_vtable {
    pub struct_size: u32,
    pub reserved0: u32,
    pub create: Option<unsafe extern "C" fn(*const mb_host_api, *const c_char, usize, *mut *mut mb_instance,
                                            *mut mb_error) -> i32>,
    pub destroy: Option<unsafe extern "C" fn(*mut mb_instance)>,
    pub list_models: Option<unsafe extern "C" fn(*mut mb_instance, *mut mb_call, *mut mb_error) -> i32>,
    pub complete: Option<CallFn>,
    pub stream: Option<CallFn>,
    pub get_extension: Option<unsafe extern "C" fn(*mut mb_instance, *const c_char) -> *const c_void>,
}

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

#[repr(C)]
pub struct mb_host_info {
    pub struct_size: u32,
    pub abi_min: u32,
    pub abi_max: u32,
    pub reserved0: u32,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
}

#[repr(C)]
pub struct mb_plugin_entry {
    pub struct_size: u32,
    pub abi_version: u32,
    pub provider_count: u32,
    pub reserved0: u32,
    pub providers: *const *const mb_provider_descriptor,
    pub init: Option<unsafe extern "C" fn(*const mb_host_api, *mut mb_error) -> i32>,
    pub deinit: Option<unsafe extern "C" fn()>,
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<mb_error>() == 32);
    assert!(size_of::<mb_call>() == 32);
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
