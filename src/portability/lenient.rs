//! Reading a struct that refuses unknown members (`#[serde(deny_unknown_fields)]`, as the
//! API wants) leniently, as an import wants: the members the struct does not name are
//! skipped unread. One shape, read two ways, so the import and the API cannot drift apart.

use std::fmt;

use serde::{
    de::{DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor},
    forward_to_deserialize_any, Deserialize, Deserializer,
};

/// `T` from `de`, every member `T` does not name skipped.
pub fn from_lenient<'de, T: Deserialize<'de>, D: Deserializer<'de>>(de: D) -> Result<T, D::Error> {
    T::deserialize(Lenient(de))
}

struct Lenient<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lenient<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Named { fields, visitor })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The struct's visitor, given only the members named in `fields`.
struct Named<V> {
    fields: &'static [&'static str],
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Named<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(NamedMembers {
            fields: self.fields,
            map,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }
}

struct NamedMembers<A> {
    fields: &'static [&'static str],
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for NamedMembers<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key::<std::borrow::Cow<'de, str>>()? else {
                return Ok(None);
            };
            if self.fields.contains(&key.as_ref()) {
                let key: &str = &key;
                return seed
                    .deserialize(IntoDeserializer::<A::Error>::into_deserializer(key))
                    .map(Some);
            }
            self.map.next_value::<IgnoredAny>()?;
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: u8,
        #[serde(default)]
        b: Vec<u8>,
    }

    #[test]
    fn members_the_struct_does_not_name_are_skipped_and_the_rest_kept() {
        let json = r#"{"x": {"deep": [1, 2]}, "a": 1, "y\u0041": null, "b": [3]}"#;
        assert!(
            serde_json::from_str::<Strict>(json).is_err(),
            "strict as declared"
        );
        let read: Strict = from_lenient(&mut serde_json::Deserializer::from_str(json)).unwrap();
        assert_eq!(read, Strict { a: 1, b: vec![3] });
        // A named member still says what is wrong with it.
        let bad = r#"{"a": "one"}"#;
        assert!(from_lenient::<Strict, _>(&mut serde_json::Deserializer::from_str(bad)).is_err());
    }
}
