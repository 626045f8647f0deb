//! The global allocator: the system's, except that a failed allocation ends the process with a
//! message saying so and exit status 1, instead of Rust's "memory allocation of N bytes failed"
//! and SIGABRT. (The estimate `lifsweep plan` shows and `run` checks should make this rare:
//! it is the last line of defence, for a limit lowered while a run goes.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// [`System`], with a clear end when memory runs out.
pub struct Reporting;

/// Set once an allocation has failed: a second failure (while reporting) aborts.
static FAILED: AtomicBool = AtomicBool::new(false);

#[cold]
fn out_of_memory(size: usize) -> ! {
    if FAILED.swap(true, Ordering::SeqCst) {
        std::process::abort();
    }
    // Formatted into a buffer on the stack: nothing here allocates.
    let mut buf = [0u8; 320];
    let mut w = &mut buf[..];
    let _ = writeln!(
        w,
        "error: out of memory: an allocation of {size} bytes failed, so lifsweep stops (exit 1); \
         no result file was completed. `lifsweep plan` estimates a run's peak memory"
    );
    let written = 320 - w.len();
    let _ = std::io::stderr().write_all(&buf[..written]);
    std::process::exit(1);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so it keeps
// `System`'s guarantees; the only addition is what happens when `System` returns null.
unsafe impl GlobalAlloc for Reporting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (the caller upholds `alloc`'s contract).
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (`ptr` came from this allocator, i.e. from `System`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}
