//! No panic may cross the C ABI (docs/abi.md §1): a panic unwinding out of an `extern "C"` function aborts the whole
//! host process. Every entry point therefore runs its body through `guard` (or `guard_void`), which catches the panic
//! and turns it into MB_ERR_INTERNAL with the panic's message in the host's `mb_error`. This needs `panic = "unwind"`
//! (Cargo's default, set explicitly in Cargo.toml): with `panic = "abort"` there is nothing to catch.
//!
//! Copy this file as is into your own plugin.
use crate::abi::*;
use std::any::Any;
use std::mem::{offset_of, size_of};
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs an entry point's body: its status, or MB_ERR_INTERNAL with a message when it panicked. `error` may be NULL.
pub fn guard(error: *mut mb_error, body: impl FnOnce() -> i32) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(payload) => unsafe { fail(error, MB_ERR_INTERNAL, &format!("panicked: {}", panic_message(&*payload))) },
    }
}

/// For the entry points without a status (destroy, deinit): a panic is caught and dropped, as there is no one to tell.
pub fn guard_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// Fills the host's `mb_error` (code and message, truncated to its buffer on a character boundary) and returns `code`.
///
/// # Safety
/// `error` is NULL or the host's `mb_error` of the current call.
pub unsafe fn fail(error: *mut mb_error, code: i32, message: &str) -> i32 {
    // Only the fields a (possibly older, smaller) host struct holds are written: docs/abi.md §3.
    let needed = offset_of!(mb_error, message) + size_of::<*mut c_char>();
    let Some(error) = (unsafe { error.as_mut() }) else { return code };
    if (error.struct_size as usize) < needed {
        return code;
    }
    error.code = code;
    let capacity = error.message_capacity as usize;
    if !error.message.is_null() && capacity > 0 {
        let mut len = message.len().min(capacity - 1);
        while !message.is_char_boundary(len) {
            len -= 1;
        }
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), error.message as *mut u8, len);
            *error.message.add(len) = 0;
        }
    }
    code
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}
