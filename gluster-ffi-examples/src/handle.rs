//! Handles: boxed values handed to C, and the registry of live ones.
//!
//! Every handle the library returns is recorded here until it is freed, and every entry point
//! looks a handle up before touching it. A pointer that is not recorded (freed already, never
//! returned by this library, or a handle of another type) is refused with
//! `GP_RESULT_INVALID_HANDLE` **without being dereferenced**, so a double free or a use after
//! free is reported instead of being undefined behaviour, with two limits:
//!
//! - when the allocator reuses a freed handle's address for a new handle of the same type, a
//!   stale pointer to it is indistinguishable from the new handle and is accepted as it;
//! - freeing a handle while another thread is still using it is a data race the library cannot
//!   see; callers must not do that (as with `free`).
//!
//! The registry stores addresses XOR-ed with a constant, so that a memory checker scanning
//! for pointers does not count the registry as a reference: a handle the caller forgets to
//! free still shows up as "definitely lost" under valgrind.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use crate::error::FfiError;
use crate::result::gp_result;

/// Which type a handle is, so one type's handle is never taken for another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Cluster,
    String,
}

/// A type handed to C behind a pointer.
pub(crate) trait Handle: Sized {
    const KIND: Kind;
    /// The type's name in the C header, for messages.
    const C_NAME: &'static str;
}

/// Scrambles an address so that it no longer looks like a pointer to a memory checker.
const MASK: usize = usize::MAX / 0xff * 0xa5;

static LIVE: Mutex<BTreeSet<(Kind, usize)>> = Mutex::new(BTreeSet::new());

fn key<T: Handle>(ptr: *const T) -> (Kind, usize) {
    (T::KIND, (ptr as usize) ^ MASK)
}

fn live() -> std::sync::MutexGuard<'static, BTreeSet<(Kind, usize)>> {
    // The set is never left half-updated (insert and remove do not panic midway), so a
    // poisoned lock still guards a valid set.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Boxes `value` and records it as live; the caller hands the pointer to C.
pub(crate) fn into_handle<T: Handle>(value: T) -> *mut T {
    let ptr = Box::into_raw(Box::new(value));
    live().insert(key(ptr));
    ptr
}

fn invalid<T: Handle>(name: &str) -> FfiError {
    FfiError::new(
        gp_result::InvalidHandle,
        format!(
            "argument {name} is not a live {} (freed already, or not made by this library)",
            T::C_NAME
        ),
    )
}

/// Borrows a live handle.
///
/// # Safety
///
/// No other thread may free the handle while the borrow lasts.
pub(crate) unsafe fn borrow<'a, T: Handle>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if !live().contains(&key(ptr)) {
        return Err(invalid::<T>(name));
    }
    // SAFETY: the address is registered, so it came from `Box::into_raw` in `into_handle` and
    // has not been freed (freeing unregisters first); the caller guarantees no concurrent
    // free. Handles are only ever shared (`&T`), mutation goes through interior locks.
    Ok(unsafe { &*ptr })
}

/// Unregisters and drops a handle. NULL is a no-op.
///
/// # Safety
///
/// No other thread may use the handle concurrently.
pub(crate) unsafe fn free<T: Handle>(ptr: *mut T, name: &str) -> Result<(), FfiError> {
    if ptr.is_null() {
        return Ok(());
    }
    if !live().remove(&key(ptr)) {
        return Err(invalid::<T>(name));
    }
    // SAFETY: it was registered, so it is a live `Box<T>` from `into_handle`; removing it from
    // the registry first means no later call can reach it, and no concurrent use exists by
    // the caller's contract.
    drop(unsafe { Box::from_raw(ptr) });
    Ok(())
}

/// Live handles of every kind (for leak tests).
#[cfg(test)]
pub(crate) fn live_count() -> usize {
    live().len()
}

#[cfg(test)]
#[allow(clippy::multiple_unsafe_ops_per_block)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct A(#[allow(dead_code)] u64);
    impl Handle for A {
        const KIND: Kind = Kind::Cluster;
        const C_NAME: &'static str = "a";
    }
    #[derive(Debug)]
    struct B;
    impl Handle for B {
        const KIND: Kind = Kind::String;
        const C_NAME: &'static str = "b";
    }

    #[test]
    fn freed_and_foreign_handles_are_refused_without_dereferencing() {
        let a = into_handle(A(1));
        // SAFETY: single-threaded use of our own handle.
        unsafe {
            assert!(borrow(a.cast_const(), "a").is_ok());
            // The same address seen as another type is not that type's handle.
            assert_eq!(
                borrow(a.cast::<B>().cast_const(), "a").unwrap_err().code,
                gp_result::InvalidHandle
            );
            free(a, "a").unwrap();
            assert_eq!(free(a, "a").unwrap_err().code, gp_result::InvalidHandle);
            assert_eq!(
                borrow(a.cast_const(), "a").unwrap_err().code,
                gp_result::InvalidHandle
            );
            // A pointer that was never a handle is refused, not read.
            let bogus = 0x1000 as *const A;
            assert_eq!(
                borrow(bogus, "a").unwrap_err().code,
                gp_result::InvalidHandle
            );
            assert!(free::<A>(std::ptr::null_mut(), "a").is_ok());
        }
        let _ = live_count();
    }

    #[test]
    fn the_mask_hides_addresses() {
        let x = 0x7f00_1234_5678_usize;
        assert_ne!(x ^ MASK, x);
        assert_eq!((x ^ MASK) ^ MASK, x);
    }
}
