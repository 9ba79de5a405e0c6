//! Trait impls shared by generated open enums and tagged unions, so generated files spell out
//! only what differs from type to type.

/// `FromStr`, `Display` and parameter encoding for an open enum that has `as_str()` and
/// `From<&str>` (serde: `open_enum_serialize!`, `open_enum_deserialize!`).
#[macro_export]
macro_rules! open_enum_impls {
    ($name:ident) => {
        #[allow(deprecated)]
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        #[allow(deprecated)]
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[allow(deprecated)]
        impl $crate::__private::ParamValue for $name {
            fn param_string(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(self.as_str())
            }
        }
    };
}

/// `Serialize` for an open enum, as its wire text. Generated code invokes it only for enums
/// that are sent (or with the `full-serde` feature), as it derives serde for structs.
#[macro_export]
macro_rules! open_enum_serialize {
    ($name:ident) => {
        #[allow(deprecated)]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

/// `Deserialize` for an open enum: any text, unknown values kept. Invoked only for enums that
/// are received (or with the `full-serde` feature).
#[macro_export]
macro_rules! open_enum_deserialize {
    ($name:ident) => {
        #[allow(deprecated)]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::__private::deserialize_str(deserializer).map(|s| Self::from(&*s))
            }
        }
    };
}

/// Deserializes a string, borrowing when the input allows. Shared by every open enum so that
/// each one does not carry its own visitor.
pub fn deserialize_str<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<std::borrow::Cow<'de, str>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = std::borrow::Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Borrowed(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v))
        }
    }
    deserializer.deserialize_str(Visitor)
}

/// Reads a tagged union's JSON and the value of its tag property.
pub fn tagged<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    tag: &str,
) -> Result<(Option<String>, serde_json::Value), D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    let tag = value.get(tag).and_then(serde_json::Value::as_str).map(str::to_owned);
    Ok((tag, value))
}

/// Decodes the JSON of a tagged union into the variant its tag chose.
pub fn variant<'de, T: serde::de::DeserializeOwned, D: serde::Deserializer<'de>>(
    value: serde_json::Value,
) -> Result<T, D::Error> {
    serde_json::from_value(value).map_err(serde::de::Error::custom)
}

/// An object key, borrowed from the input when it can be.
#[derive(Debug)]
pub struct FieldName<'de>(std::borrow::Cow<'de, str>);

impl FieldName<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_str(deserializer).map(FieldName)
    }
}

/// A required field's value, or serde's "missing field" error.
pub fn required<T, E: serde::de::Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(name))
}

/// Reads a field's value into its slot. A function of its own, so the temporaries of each
/// field live in a short frame instead of all adding up in the caller's: unoptimized builds
/// give every temporary its own stack slot, and decoding a deeply nested response then
/// overflowed a 2 MiB thread stack.
#[inline(never)]
pub fn next_value<'de, A: serde::de::MapAccess<'de>, T: serde::Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Stands in for a credential in `Debug` output.
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
