//! The one value encoding of the database: MessagePack with field names
//! (`rmp_serde::to_vec_named`), so records gain fields over time and old ones still decode with
//! serde defaults.

use std::fmt::Debug;
use std::marker::PhantomData;

use redb::{TypeName, Value};
use serde::{Serialize, de::DeserializeOwned};

/// A redb value stored as named MessagePack.
///
/// Decoding happens inside redb's `Value::from_bytes`, which cannot return an error; a record
/// that does not decode means the file was damaged or written by an incompatible version, so it
/// panics there and `wrenchdesk check` reports it. Schema changes go through migrations.
#[derive(Debug)]
pub struct Msgpack<T>(PhantomData<T>);

impl<T> Value for Msgpack<T>
where
    T: Debug + Serialize + DeserializeOwned,
{
    type SelfType<'a>
        = T
    where
        Self: 'a;
    type AsBytes<'a>
        = Vec<u8>
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        None
    }

    fn from_bytes<'a>(data: &'a [u8]) -> T
    where
        Self: 'a,
    {
        decode(data).unwrap_or_else(|e| panic!("undecodable {} record: {e}", std::any::type_name::<T>()))
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a T) -> Vec<u8>
    where
        Self: 'b,
    {
        encode(value)
    }

    fn type_name() -> TypeName {
        TypeName::new(&format!("wrenchdesk::Msgpack<{}>", std::any::type_name::<T>()))
    }
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs, strings, numbers, Decimals and chrono types to a Vec cannot
    // fail; a failure here is a programming error.
    rmp_serde::to_vec_named(value).expect("MessagePack encoding of a record")
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}

/// A table's keys or values as the bytes stored, under the type name of `T` so redb opens the
/// table `T` was declared for: backups copy and checksum rows without decoding and re-encoding
/// each record (which was most of a backup's time), and what they protect is exactly the bytes
/// in the file. Keys compare as `T` does, so a copy's rows keep their order.
#[derive(Debug)]
pub struct Raw<T>(PhantomData<T>);

impl<T: Value> Value for Raw<T> {
    type SelfType<'a>
        = &'a [u8]
    where
        Self: 'a;
    type AsBytes<'a>
        = &'a [u8]
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        T::fixed_width()
    }

    fn from_bytes<'a>(data: &'a [u8]) -> &'a [u8]
    where
        Self: 'a,
    {
        data
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a &'b [u8]) -> &'a [u8]
    where
        Self: 'b,
    {
        value
    }

    fn type_name() -> TypeName {
        T::type_name()
    }
}

impl<T: redb::Key> redb::Key for Raw<T> {
    fn compare(data1: &[u8], data2: &[u8]) -> std::cmp::Ordering {
        T::compare(data1, data2)
    }
}

/// `table` opened as its stored bytes (see [`Raw`]).
pub fn raw<'a, K: redb::Key + 'static, V: Value + 'static>(
    table: &'a redb::TableDefinition<'static, K, V>,
) -> redb::TableDefinition<'a, Raw<K>, Raw<V>> {
    redb::TableDefinition::new(redb::TableHandle::name(table))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use rust_decimal::Decimal;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        price: Decimal,
        at: DateTime<Utc>,
        day: NaiveDate,
        note: String,
    }

    #[test]
    fn decimals_and_times_round_trip_exactly() {
        let sample = Sample {
            price: "1234567.89".parse().unwrap(),
            at: "2026-11-28T07:45:12.123456Z".parse().unwrap(),
            day: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            note: "机油滤清器 <oil filter>".into(),
        };
        let bytes = Msgpack::<Sample>::as_bytes(&sample);
        assert_eq!(Msgpack::<Sample>::from_bytes(&bytes), sample);
        // 0.1 + 0.2 stays exactly 0.3 through storage.
        let sum = Decimal::new(1, 1) + Decimal::new(2, 1);
        let back: Decimal = decode(&encode(&sum)).unwrap();
        assert_eq!(back.to_string(), "0.3");
    }

    #[test]
    fn added_fields_decode_with_defaults() {
        #[derive(Serialize)]
        struct V1 {
            name: String,
        }
        #[derive(Debug, Deserialize)]
        struct V2 {
            name: String,
            #[serde(default)]
            level: Option<String>,
        }
        let v2: V2 = decode(&encode(&V1 { name: "张伟".into() })).unwrap();
        assert_eq!(v2.name, "张伟");
        assert_eq!(v2.level, None);
    }

    #[test]
    fn garbage_is_an_error_not_a_value() {
        assert!(decode::<Sample>(&[0xc1, 0x00, 0x13]).is_err());
    }
}
