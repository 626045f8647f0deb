//! The global allocator: the system's, except that a failed allocation ends the process with a
//! message saying so and exit status 1, instead of Rust's "memory allocation of N bytes failed"
//! and SIGABRT. (The estimate `lifsweep plan` shows and `run` checks should make this rare:
//! it is the last line of defence, for a limit lowered while a run goes.) And
//! [`keep_freed_memory`], which the binary calls first.

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

/// Tells glibc's malloc to keep freed memory for the next allocations. By default it gives back
/// all but 128 KiB of a heap's free top, and serves every block of 128 KiB or more (a chunk's
/// jobs and results, the writer's buffers) with fresh pages, unmapped again when freed; the
/// next chunk of jobs then faults the same pages in again, zeroed by the kernel. Page faults,
/// default -> these settings (AMD EPYC Zen 3, one thread; `/usr/bin/time -f %R`): W3 4,463 ->
/// 2,683, W5 11,654 -> 6,863, W4 19,321 -> 15,103 (two threads). W3 takes 0.91-0.92 of the
/// time (paired medians of 11 interleaved runs); W4 and W5 change within the machine's noise.
/// Peak memory grows little (W4 on two threads 62.5 -> 69.7 MB, W5 35.8 -> 36.9 MB: freed
/// blocks are reused in place of fresh ones). Elsewhere than glibc it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// Bytes of freed memory each heap keeps at its top instead of handing them back.
        const TOP_PAD: i32 = 64 << 20;
        /// Allocations from this size on get pages of their own from the kernel (32 MiB is
        /// the most glibc accepts on 64-bit targets); smaller ones come from the heaps.
        const MMAP_THRESHOLD: i32 = 32 << 20;
        // malloc.h's parameter numbers.
        const M_TOP_PAD: i32 = -2;
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            /// glibc's `int mallopt(int param, int value)` (malloc.h).
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt takes two ints and only sets tunables of the allocator, under its
        // own lock; both values are within what glibc accepts.
        unsafe {
            mallopt(M_TOP_PAD, TOP_PAD);
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}
