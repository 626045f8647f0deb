//! [`LaneVec`]: the storage of a batch's per-lane arrays, aligned to cache lines.
//!
//! A `Vec<f64>` starts wherever the allocator puts it (16-byte aligned), so most AVX-512 loads
//! and stores of eight lanes straddle two cache lines, and a straddling store costs about two.
//! Lanes live in 64-byte lines here: every eight-lane block of a batch starts on a line.
//!
//! [`LaneBits`] holds one flag per lane as bits (the spikes of a step): a step's flags are
//! visited a word of 64 lanes at a time, and a vector compare stores eight at once.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// One cache line of storage.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// Types a lane array may hold: plain numbers for which zeroed storage is a valid value (and,
/// for `bool`, only ever written with `bool`s), smaller than a line. Sealed: the storage relies
/// on it.
pub trait Lane: sealed::Plain + Copy + std::fmt::Debug {}
impl Lane for f64 {}
impl Lane for u64 {}
impl Lane for u32 {}
impl Lane for bool {}

mod sealed {
    pub trait Plain {}
    impl Plain for f64 {}
    impl Plain for u64 {}
    impl Plain for u32 {}
    impl Plain for bool {}
}

/// A growable array whose storage starts on a 64-byte boundary; it dereferences to a slice.
pub struct LaneVec<T: Lane> {
    lines: Vec<Line>,
    len: usize,
    _items: PhantomData<T>,
}

impl<T: Lane> LaneVec<T> {
    const PER_LINE: usize = 64 / size_of::<T>();

    pub fn new() -> LaneVec<T> {
        LaneVec {
            lines: Vec::new(),
            len: 0,
            _items: PhantomData,
        }
    }

    /// Makes the array `len` long, new entries `value`.
    #[inline]
    pub fn resize(&mut self, len: usize, value: T) {
        // Fresh lines are zeroed, a valid value of every Lane type (false for bool).
        self.reserve_lines(len.div_ceil(Self::PER_LINE));
        self.lines
            .resize(len.div_ceil(Self::PER_LINE), Line([0; 64]));
        let old = self.len;
        self.len = len;
        if len > old {
            self[old..].fill(value);
        }
    }

    /// Lines to allocate when an empty array first grows: room for a whole batch
    /// ([`crate::engine::LANES`] lanes), so that a batch built job by job allocates each of
    /// its arrays once (grown by doubling, their reallocations were 5% of the engine's
    /// instructions in W5, docs/performance.md).
    const FIRST_LINES: usize = crate::engine::LANES.div_ceil(Self::PER_LINE);

    /// Room for `lines` lines in all.
    #[inline]
    fn reserve_lines(&mut self, lines: usize) {
        if lines > self.lines.capacity() {
            self.grow(lines);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, lines: usize) {
        let lines = lines.max(Self::FIRST_LINES);
        self.lines.reserve(lines - self.lines.len());
    }

    #[inline]
    pub fn push(&mut self, value: T) {
        if self.len == self.lines.len() * Self::PER_LINE {
            self.reserve_lines(self.lines.len() + 1);
            self.lines.push(Line([0; 64]));
        }
        // SAFETY: the lines have room for entry `len` (just checked), aligned for T.
        unsafe {
            self.lines
                .as_mut_ptr()
                .cast::<T>()
                .add(self.len)
                .write(value)
        };
        self.len += 1;
    }
}

impl<T: Lane> Default for LaneVec<T> {
    fn default() -> Self {
        LaneVec::new()
    }
}

impl<T: Lane> Clone for LaneVec<T> {
    fn clone(&self) -> Self {
        LaneVec {
            lines: self.lines.clone(),
            len: self.len,
            _items: PhantomData,
        }
    }
}

impl<T: Lane> std::fmt::Debug for LaneVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Lane> Deref for LaneVec<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: the lines hold at least `len` entries of T (resize keeps that), every one of
        // them a valid T (zeroed, or written as T); a line's alignment (64) is a multiple of
        // T's, and the borrow of self keeps the storage alive and unshared.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Lane> DerefMut for LaneVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in deref, with the unique borrow of self.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Lane> Extend<T> for LaneVec<T> {
    #[inline]
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        let items = items.into_iter();
        self.reserve_lines((self.len + items.size_hint().0).div_ceil(Self::PER_LINE));
        for item in items {
            self.push(item);
        }
    }
}

/// One flag per lane, as bits: lane `i` is bit `i % 64` of word `i / 64`.
#[derive(Clone, Debug, Default)]
pub struct LaneBits {
    words: Vec<u64>,
    len: usize,
}

impl LaneBits {
    /// Makes it `len` lanes long; all flags clear.
    pub fn resize(&mut self, len: usize) {
        self.words.clear();
        self.words.resize(len.div_ceil(64), 0);
        self.len = len;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, lane: usize) -> bool {
        assert!(lane < self.len, "lane {lane} of {}", self.len);
        self.words[lane / 64] >> (lane % 64) & 1 == 1
    }

    /// The flags as words (bits past the last lane are clear).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The words, for a writer that keeps bits past the last lane clear.
    pub fn words_mut(&mut self) -> &mut [u64] {
        &mut self.words
    }

    /// Sets the flags to `flags` (one per lane).
    pub fn set_from(&mut self, flags: &[bool]) {
        assert_eq!(flags.len(), self.len);
        for (word, lanes) in self.words.iter_mut().zip(flags.chunks(64)) {
            *word = crate::fastmath::lane_bits(lanes);
        }
    }

    /// Calls `f` with every set lane, in order.
    #[inline]
    pub fn for_each_set(&self, mut f: impl FnMut(usize)) {
        for (w, &word) in self.words.iter().enumerate() {
            crate::fastmath::for_each_bit(64 * w, word, &mut f);
        }
    }
}

/// For each mask of four lanes, the positions of its set bits in order (the rest zero).
#[cfg(target_arch = "x86_64")]
const POSITIONS: [[u32; 4]; 16] = {
    let mut table = [[0u32; 4]; 16];
    let mut mask = 0;
    while mask < 16 {
        let (mut lane, mut k) = (0, 0);
        while lane < 4 {
            if mask >> lane & 1 == 1 {
                table[mask][k] = lane as u32;
                k += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// Lists the lanes `first + j` of the set bits `j` of the four-lane `mask` at `list` (four
/// entries stored, as many meant as bits are set) and returns their number: the AVX2 kernels'
/// stand-in for AVX-512's compress (a table of positions per mask, no branch per lane).
///
/// # Safety
/// `mask < 16`, and `list` has room for four entries.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn list4(mask: u32, first: usize, list: *mut u32) -> usize {
    use std::arch::x86_64::*;
    // SAFETY: mask < 16 indexes the table; the caller guarantees the room.
    unsafe {
        let at = _mm_loadu_si128(POSITIONS.get_unchecked(mask as usize).as_ptr().cast());
        let listed = _mm_add_epi32(_mm_set1_epi32(first as i32), at);
        _mm_storeu_si128(list.cast(), listed);
    }
    mask.count_ones() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn list4_lists_the_set_lanes_in_order() {
        if crate::fastmath::detected() < crate::fastmath::SimdLevel::Avx2 {
            eprintln!("no AVX2 here: list4 is not used");
            return;
        }
        for mask in 0..16u32 {
            let mut list = [99u32; 4];
            // SAFETY: AVX2 checked above; mask < 16; four entries.
            let n = unsafe { list4(mask, 40, list.as_mut_ptr()) };
            let want: Vec<u32> = (0..4)
                .filter(|j| mask >> j & 1 == 1)
                .map(|j| 40 + j)
                .collect();
            assert_eq!(&list[..n], &want[..], "mask {mask:04b}");
        }
    }

    #[test]
    fn a_lane_vec_is_an_aligned_growable_slice() {
        let mut v = LaneVec::<f64>::new();
        assert!(v.is_empty());
        v.extend([1.0, 2.0, 3.0]);
        v.resize(20, 7.5);
        v.push(-1.0);
        assert_eq!(v.len(), 21);
        assert_eq!(v[..4], [1.0, 2.0, 3.0, 7.5]);
        assert_eq!(v[20], -1.0);
        v[5] = 0.25;
        assert_eq!(v.iter().filter(|&&x| x == 7.5).count(), 16);
        assert_eq!(v.as_ptr() as usize % 64, 0);
        v.resize(2, 0.0);
        assert_eq!(*v, [1.0, 2.0]);
        v.resize(3, 9.0);
        assert_eq!(
            *v,
            [1.0, 2.0, 9.0],
            "entries past a shrink are written anew"
        );
        let mut flags = LaneVec::<bool>::new();
        flags.resize(100, false);
        flags[99] = true;
        assert_eq!(flags.iter().filter(|&&b| b).count(), 1);
        let words: LaneVec<u32> = {
            let mut w = LaneVec::new();
            w.extend(0..10u32);
            w
        };
        assert_eq!(words.clone()[9], 9);
        assert_eq!(format!("{:?}", &words.clone()[..3]), "[0, 1, 2]");

        // A batch's lanes pushed one by one: one allocation, then doubling past it.
        let mut v = LaneVec::<u64>::new();
        v.push(0);
        let first = v.lines.as_ptr();
        for i in 1..crate::engine::LANES as u64 {
            v.push(i);
        }
        assert_eq!(
            v.lines.as_ptr(),
            first,
            "the first allocation holds a batch"
        );
        v.extend(crate::engine::LANES as u64..3000);
        assert!(v.iter().copied().eq(0..3000));
        assert_eq!(v.as_ptr() as usize % 64, 0);
    }

    #[test]
    fn lane_bits_hold_one_flag_per_lane() {
        for n in [0, 1, 8, 63, 64, 65, 130, 256] {
            let flags: Vec<bool> = (0..n).map(|i| i % 3 == 0 || i == 64).collect();
            let mut bits = LaneBits::default();
            bits.resize(n);
            assert_eq!(bits.len(), n);
            assert!(bits.words().iter().all(|&w| w == 0));
            bits.set_from(&flags);
            assert!((0..n).all(|i| bits.get(i) == flags[i]), "n = {n}");
            let mut set = Vec::new();
            bits.for_each_set(|i| set.push(i));
            assert_eq!(set, (0..n).filter(|&i| flags[i]).collect::<Vec<_>>());
            if n % 64 != 0 {
                assert_eq!(
                    bits.words().last().unwrap() >> (n % 64),
                    0,
                    "no bits past the end"
                );
            }
        }
    }
}
