//! The macros `build.rs` invokes for each generated type, so that the generated code holds
//! only tables (element names, namespaces, kinds) and the logic lives here, written once.
//!
//! Field kinds: `field` is a `Field<T>` (nillable, optional), `opt` an `Option<T>`, `vec` a
//! `Vec<T>`, `one` a required `T`. Classes: `scalar` types are read from text, `complex`
//! ones structurally. Namespaces are named by [`Ns`](super::Ns) variant; `Other ""` is an
//! unqualified element.

/// [`Decode`](super::Decode) and [`Encode`](super::Encode) for a generated struct with
/// child elements and an `unknown` field.
macro_rules! codec_struct {
    ($type:path, $xml:literal, $ns:ident, {
        $($field:ident : $fns:ident $prefix:literal $name:literal => $kind:ident $class:ident $ty:ty,)*
    }) => {
        impl $crate::codec::Decode for $type {
            #[allow(unused_mut, unused_variables, unused_assignments, clippy::let_unit_value)]
            fn decode<'a>(
                reader: &mut $crate::codec::Reader<'a>,
                element: &$crate::codec::Child<'a>,
            ) -> Result<Self, $crate::codec::ReadError> {
                use $crate::codec::Ns;
                const NAMES: &[&str] = &[$($name),*];
                const NAMESPACES: &[Ns] = &[$(Ns::$fns),*];
                $( let mut $field = $crate::codec::codec_struct!(@init $kind $ty); )*
                let mut unknown = $crate::codec::Unknown::default();
                if element.has_other_attributes() {
                    reader.keep_attributes(element, $xml, &mut unknown)?;
                }
                // Children come in schema order: the search starts at the last one found.
                let mut cursor = 0usize;
                // Where content the type does not declare goes among the declared fields.
                let mut position = 0usize;
                let mut child = $crate::codec::Child::placeholder();
                while reader.next_child_into(element, &mut child)? {
                    let Some(found) = $crate::codec::position_from(NAMES, child.local(), cursor) else {
                        reader.keep_child(&child, "not declared", $xml, position, &mut unknown)?;
                        continue;
                    };
                    if !$crate::codec::namespace_matches(NAMESPACES[found], Ns::$ns, child.ns()) {
                        reader.misplaced_namespace(&child, $xml)?;
                    }
                    cursor = found;
                    position = found + 1;
                    let mut index = 0usize;
                    $(
                        if found == index {
                            $crate::codec::codec_struct!(@read reader, child, $field, $kind, $class, $ty, $name, $xml, position, unknown);
                            continue;
                        }
                        index += 1;
                    )*
                    let _ = index;
                }
                Ok(Self {
                    $( $field: $crate::codec::codec_struct!(@finish reader, $field, $kind, $name, $xml), )*
                    unknown,
                })
            }
        }

        impl $crate::codec::Encode for $type {
            #[allow(unused_variables, unused_assignments)]
            fn write_children(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::WriteError> {
                let kept = !self.unknown.is_empty();
                let mut position = 0usize;
                $(
                    if kept {
                        $crate::codec::write_kept_at(out, &self.unknown, position)?;
                    }
                    $crate::codec::codec_struct!(@write out, $crate::codec::codec_tag!($prefix, $name), self.$field, $kind, $class);
                    position += 1;
                )*
                if kept {
                    $crate::codec::write_kept_from(out, &self.unknown, position)?;
                }
                Ok(())
            }

            fn kept_attributes(&self) -> &[$crate::codec::Attribute] {
                self.unknown.attributes()
            }
        }

        impl $crate::codec::Leaves for $type {
            #[allow(unused_variables, unused_assignments)]
            fn visit_leaves(&self, path: &mut String, visit: &mut $crate::codec::leaves::Visit<'_>) {
                let kept = !self.unknown.is_empty();
                let mut position = 0usize;
                $(
                    if kept {
                        $crate::codec::leaves::kept_at(&self.unknown, position, path, visit);
                    }
                    $crate::codec::codec_struct!(@leaves path, visit, $name, self.$field, $kind, $class);
                    position += 1;
                )*
                if kept {
                    $crate::codec::leaves::kept_from(&self.unknown, position, path, visit);
                }
            }
        }
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, field, scalar) => {
        $crate::codec::leaves::field_scalar($path, $name, &$value, $visit)
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, field, complex) => {
        $crate::codec::leaves::field_complex($path, $name, &$value, $visit)
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, vec, scalar) => {
        for item in &$value {
            $crate::codec::leaves::scalar($path, $name, item, $visit);
        }
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, vec, complex) => {
        for item in &$value {
            $crate::codec::leaves::complex($path, $name, item, $visit);
        }
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, opt, scalar) => {
        if let Some(item) = &$value {
            $crate::codec::leaves::scalar($path, $name, item, $visit);
        }
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, opt, complex) => {
        if let Some(item) = &$value {
            $crate::codec::leaves::complex($path, $name, item, $visit);
        }
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, one, scalar) => {
        $crate::codec::leaves::scalar($path, $name, &$value, $visit)
    };
    (@leaves $path:ident, $visit:ident, $name:literal, $value:expr, one, complex) => {
        $crate::codec::leaves::complex($path, $name, &$value, $visit)
    };
    (@init field $ty:ty) => { $crate::Field::<$ty>::Absent };
    (@init vec $ty:ty) => { Vec::<$ty>::new() };
    (@init $kind:ident $ty:ty) => { None::<$ty> };
    (@read $reader:ident, $child:ident, $field:ident, $kind:ident, scalar, $ty:ty, $name:literal, $xml:literal, $position:ident, $unknown:ident) => {
        $crate::codec::read_simple::<$ty, _>($reader, &$child, &mut $field, $xml, $position, &mut $unknown)?
    };
    (@read $reader:ident, $child:ident, $field:ident, $kind:ident, complex, $ty:ty, $name:literal, $xml:literal, $position:ident, $unknown:ident) => {
        $crate::codec::read_complex::<$ty, _>($reader, &$child, &mut $field, $name, $xml, $position, &mut $unknown)?
    };
    (@finish $reader:ident, $field:ident, one, $name:literal, $xml:literal) => {
        match $field {
            Some(value) => value,
            None => {
                return Err($reader.error(concat!("required element `", $name, "` is missing in ", $xml)))
            }
        }
    };
    (@finish $reader:ident, $field:ident, $kind:ident, $name:literal, $xml:literal) => { $field };
    (@write $out:ident, $tag:expr, $value:expr, field, scalar) => {
        $crate::codec::write_field_scalar($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, field, complex) => {
        $crate::codec::write_field_complex($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, vec, scalar) => {
        for item in &$value {
            $crate::codec::write_scalar($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, vec, complex) => {
        for item in &$value {
            $crate::codec::write_complex($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, opt, scalar) => {
        if let Some(item) = &$value {
            $crate::codec::write_scalar($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, opt, complex) => {
        if let Some(item) = &$value {
            $crate::codec::write_complex($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, one, scalar) => {
        $crate::codec::write_scalar($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, one, complex) => {
        $crate::codec::write_complex($out, $tag, &$value)?
    };
}
pub(crate) use codec_struct;

/// [`Decode`](super::Decode) and [`Encode`](super::Encode) for a generated unit struct (a
/// type that declares no content): it is written as an empty element, and content found in
/// it is skipped (refused when reading strictly).
macro_rules! codec_unit {
    ($type:path, $xml:literal) => {
        impl $crate::codec::Decode for $type {
            fn decode<'a>(
                reader: &mut $crate::codec::Reader<'a>,
                element: &$crate::codec::Child<'a>,
            ) -> Result<Self, $crate::codec::ReadError> {
                reader.skip_content(element, $xml)?;
                Ok($type)
            }
        }

        impl $crate::codec::Encode for $type {
            fn write_element(
                &self,
                out: &mut Vec<u8>,
                tag: &$crate::codec::Tag,
            ) -> Result<usize, $crate::codec::WriteError> {
                out.extend_from_slice(tag.empty.as_bytes());
                Ok(0)
            }

            fn write_children(&self, _out: &mut Vec<u8>) -> Result<(), $crate::codec::WriteError> {
                Ok(())
            }
        }

        impl $crate::codec::Leaves for $type {
            fn visit_leaves(
                &self,
                _path: &mut String,
                _visit: &mut $crate::codec::leaves::Visit<'_>,
            ) {
            }
        }
    };
}
pub(crate) use codec_unit;

/// [`Decode`](super::Decode) and [`Encode`](super::Encode) for a generated enum of a
/// choice: exactly one of the listed elements.
macro_rules! codec_choice {
    ($type:path, $xml:literal, {
        $($variant:ident : $fns:ident $prefix:literal $name:literal => $ty:ty,)+
    }) => {
        impl $crate::codec::Decode for $type {
            fn decode<'a>(
                reader: &mut $crate::codec::Reader<'a>,
                element: &$crate::codec::Child<'a>,
            ) -> Result<Self, $crate::codec::ReadError> {
                use $crate::codec::Ns;
                let Some(child) = reader.next_child(element)? else {
                    return Err(reader.error(concat!($xml, " is empty, one element is required")));
                };
                let value = match (child.ns(), child.local()) {
                    $(
                        (Ns::$fns, local) if local == $name.as_bytes() => Self::$variant(
                            <$ty as $crate::codec::Decode>::decode(reader, &child)
                                .map_err(|e| e.within($name, None))?,
                        ),
                    )+
                    _ => return Err($crate::codec::unexpected_choice(reader, &child, $xml)),
                };
                if let Some(extra) = reader.next_child(element)? {
                    return Err(reader
                        .error(format!(concat!("`{}` follows the one element ", $xml, " holds"), extra.local_str()))
                        .within(extra.local_str(), None));
                }
                Ok(value)
            }
        }

        impl $crate::codec::Encode for $type {
            fn write_children(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::WriteError> {
                match self {
                    $(
                        Self::$variant(value) => {
                            $crate::codec::write_complex(out, $crate::codec::codec_tag!($prefix, $name), value)?
                        }
                    )+
                }
                Ok(())
            }
        }

        impl $crate::codec::Leaves for $type {
            fn visit_leaves(&self, path: &mut String, visit: &mut $crate::codec::leaves::Visit<'_>) {
                match self {
                    $(
                        Self::$variant(value) => $crate::codec::leaves::complex(path, $name, value, visit),
                    )+
                }
            }
        }
    };
}
pub(crate) use codec_choice;
