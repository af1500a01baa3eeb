//! Shared by the analysis targets: typed values decoded from the fuzz bytes. Every reader
//! returns a value even when the bytes run out (zeros), so any input decodes.
#![allow(dead_code)]

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;

/// Days from 0001-01-01 (day 1 of the common era) to 9999-12-31.
const CE_DAYS: u32 = 3_652_059;

/// A cursor over the fuzz input.
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input(data)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.bytes())
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }

    /// A count: mostly small, sometimes any u32 (extreme values included).
    pub fn count(&mut self) -> u32 {
        match self.byte() {
            0..=191 => u32::from(self.byte()),
            192..=223 => u32::from(self.u16()),
            224..=239 => u32::MAX - u32::from(self.byte()),
            _ => self.u32(),
        }
    }

    /// Any f64: special values (zeros, negatives, NaN, infinities, subnormals, extremes),
    /// "ordinary" numbers with two decimals, or arbitrary bit patterns.
    pub fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 16] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            -f64::MAX,
            1e-300,
            1e300,
            0.5,
            1e-9,
            1e9,
        ];
        match self.byte() {
            s @ 0..=47 => SPECIAL[usize::from(s % 16)],
            48..=175 => f64::from(self.u16()) / 100.0,
            176..=207 => f64::from(self.u32()) / 1000.0,
            _ => f64::from_bits(u64::from_le_bytes(self.bytes())),
        }
    }

    /// A date between 0001-01-01 and 9999-12-31: mostly near 2020 (so dates collide and
    /// customers repeat), sometimes anywhere in the range or at its ends.
    pub fn date(&mut self) -> NaiveDate {
        let base = 737_425; // 2020-01-01
        let day = match self.byte() {
            0..=7 => 1,
            8..=15 => CE_DAYS,
            16..=191 => base + u32::from(self.u16()) % 2000,
            _ => 1 + self.u32() % CE_DAYS,
        };
        NaiveDate::from_num_days_from_ce_opt(day as i32).unwrap_or(NaiveDate::MIN)
    }

    /// A non-negative decimal: cents, zero, or huge (up to `Decimal::MAX`, any scale).
    pub fn amount(&mut self) -> Decimal {
        match self.byte() {
            0..=15 => Decimal::ZERO,
            16..=31 => Decimal::MAX,
            32..=191 => Decimal::new(i64::from(self.u32()), 2),
            _ => {
                let [lo, mid, hi] = [self.u32(), self.u32(), self.u32()];
                Decimal::from_parts(lo, mid, hi, false, u32::from(self.byte()) % 29)
            }
        }
    }
}
