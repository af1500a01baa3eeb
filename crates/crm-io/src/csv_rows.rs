//! CSV text of flat serde rows, written straight into a byte buffer: the same bytes as the csv
//! crate's serde writer (header from the field names, fields quoted only when they hold a comma,
//! a quote or a line break, quotes doubled, integers as `itoa` and floats as `ryu` print them),
//! without its per-field state machine, so a million result rows format in a fraction of the
//! time. Rows it does not know how to write the csv crate's way (anything but a struct of
//! scalars, options and unit variants) are refused with [`Unsupported`], and the caller falls
//! back to the csv crate.

use serde::ser::{self, Impossible, Serialize};

/// The row is not a flat struct of scalars: let the csv crate write it.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a flat record")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// Appends the CSV text of `rows` to `out`, with a header row first when `header` is set.
pub(crate) fn write_chunk<T: Serialize>(
    out: &mut Vec<u8>,
    rows: &[T],
    header: bool,
) -> Result<(), Unsupported> {
    if header {
        if let Some(first) = rows.first() {
            first.serialize(Row {
                out: &mut *out,
                names: true,
            })?;
        }
    }
    for r in rows {
        r.serialize(Row {
            out: &mut *out,
            names: false,
        })?;
    }
    Ok(())
}

/// Appends `field`, quoted when the csv crate would quote it.
#[inline]
fn field(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// The serializer of one row: a struct with at least two fields (a one-field row is left to the
/// csv crate, which quotes an empty lone field).
struct Row<'a> {
    out: &'a mut Vec<u8>,
    /// Write the field names (the header) instead of the values.
    names: bool,
}

/// The fields of a row being written.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    names: bool,
    written: usize,
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        if self.written > 0 {
            self.out.push(b',');
        }
        self.written += 1;
        if self.names {
            field(self.out, key.as_bytes());
            Ok(())
        } else {
            value.serialize(Value { out: self.out })
        }
    }

    fn end(self) -> Result<(), Unsupported> {
        if self.written < 2 {
            return Err(Unsupported);
        }
        self.out.push(b'\n');
        Ok(())
    }
}

/// The serializer of one field value.
struct Value<'a> {
    out: &'a mut Vec<u8>,
}

macro_rules! ints {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<(), Unsupported> {
            self.out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }
    )*};
}

macro_rules! refuse_compound {
    () => {
        type SerializeSeq = Impossible<(), Unsupported>;
        type SerializeTuple = Impossible<(), Unsupported>;
        type SerializeTupleStruct = Impossible<(), Unsupported>;
        type SerializeTupleVariant = Impossible<(), Unsupported>;
        type SerializeMap = Impossible<(), Unsupported>;
        type SerializeStructVariant = Impossible<(), Unsupported>;

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Unsupported> {
            Err(Unsupported)
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
            Err(Unsupported)
        }
    };
}

impl ser::Serializer for Value<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeStruct = Impossible<(), Unsupported>;
    refuse_compound!();

    ints!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
          serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
          serialize_u64: u64, serialize_u128: u128);

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        field(self.out, ryu::Buffer::new().format(v).as_bytes());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        field(self.out, ryu::Buffer::new().format(v).as_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        field(self.out, v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        field(self.out, v.as_bytes());
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Unsupported> {
        field(self.out, name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        field(self.out, variant.as_bytes());
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
}

/// A row serializer accepts only a struct (or a newtype around one).
impl<'a> ser::Serializer for Row<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeStruct = Fields<'a>;
    refuse_compound!();

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Unsupported> {
        Ok(Fields {
            out: self.out,
            names: self.names,
            written: 0,
        })
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i8(self, _: i8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i16(self, _: i16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i32(self, _: i32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i64(self, _: i64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u8(self, _: u8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u16(self, _: u16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u32(self, _: u32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u64(self, _: u64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, _: char) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_str(self, _: &str) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;

    fn by_csv_crate<T: Serialize>(rows: &[T]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn fast<T: Serialize>(rows: &[T]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        write_chunk(&mut out, rows, true).ok().map(|()| out)
    }

    #[derive(Serialize, Clone, Copy, Debug)]
    enum Tier {
        High,
        #[serde(rename = "low, very")]
        Low,
    }

    #[derive(Serialize, Debug)]
    struct Wide {
        id: u64,
        #[serde(rename = "name, full")]
        name: String,
        score: f64,
        small: f32,
        delta: i32,
        flag: bool,
        maybe: Option<f64>,
        tier: Tier,
        letter: char,
        money: crm_model::rust_decimal::Decimal,
        nothing: (),
    }

    proptest! {
        #[test]
        fn same_bytes_as_the_csv_crate(
            rows in proptest::collection::vec(
                (any::<u64>(), "[a-z ,\"\r\n\u{4e00}-\u{4e10}]{0,8}", any::<f64>(), any::<f32>(),
                 any::<i32>(), any::<bool>(), proptest::option::of(-1e20f64..1e20), any::<bool>(),
                 proptest::char::any(), any::<i64>(), 0u32..10),
                1..20,
            )
        ) {
            let rows: Vec<Wide> = rows
                .into_iter()
                .map(|(id, name, score, small, delta, flag, maybe, hi, letter, m, s)| Wide {
                    id, name, score, small, delta, flag, maybe,
                    tier: if hi { Tier::High } else { Tier::Low },
                    letter,
                    money: crm_model::rust_decimal::Decimal::new(m, s),
                    nothing: (),
                })
                .collect();
            prop_assert_eq!(fast(&rows), Some(by_csv_crate(&rows)));
        }
    }

    #[test]
    fn rows_it_cannot_write_are_refused() {
        #[derive(Serialize)]
        struct One {
            only: String,
        }
        #[derive(Serialize)]
        struct Nested {
            a: u8,
            b: Vec<u8>,
        }
        assert!(
            fast(&[One {
                only: String::new()
            }])
            .is_none()
        );
        assert!(fast(&[Nested { a: 1, b: vec![2] }]).is_none());
        assert!(fast(&[(1, 2)]).is_none());
        let mut m = std::collections::BTreeMap::new();
        m.insert("a", 1);
        assert!(fast(&[m]).is_none());
    }
}
