//! The wire rules of [`Field`], both ways, in one place.
//!
//! | wire                  | reading          | writing                      |
//! |-----------------------|------------------|------------------------------|
//! | element omitted       | `Field::Absent`  | `Field::Absent`: nothing     |
//! | `xsi:nil="true"`      | `Field::Nil`     | `Field::Nil`                 |
//! | `<X>v</X>`            | `Field::Value(v)`| `Field::Value(v)`            |
//! | `<X/>`                | `Field::Value("")` | refused: the server would ignore it |
//!
//! Reading fills typed slots (`Field<T>`, `Option<T>`, `Vec<T>`) through [`read_simple`] and
//! [`read_complex`]; whatever a slot cannot take (a second value, nil where nil is not
//! allowed, text that is not a value of the type) is kept as unknown content instead.

use super::element::Unknown;
use super::error::{ReadError, WriteError};
use super::reader::{Child, Reader, Simple};
use super::scalar::Scalar;
use super::writer::{Encode, Tag};
use super::Decode;
use crate::Field;

/// Where a typed child element's value goes.
pub(crate) trait Slot<T> {
    /// Whether the slot takes `xsi:nil`.
    const NILLABLE: bool;

    /// Whether another value would be one too many.
    fn is_full(&self) -> bool;

    /// Stores a value.
    fn fill(&mut self, value: T);

    /// Stores nil (only called when [`NILLABLE`](Self::NILLABLE)).
    fn fill_nil(&mut self);

    /// The index (from 1) the next value would have among repeated siblings, for paths.
    fn next_index(&self) -> Option<usize> {
        None
    }
}

impl<T> Slot<T> for Field<T> {
    const NILLABLE: bool = true;

    fn is_full(&self) -> bool {
        !self.is_absent()
    }

    fn fill(&mut self, value: T) {
        *self = Field::Value(value);
    }

    fn fill_nil(&mut self) {
        *self = Field::Nil;
    }
}

impl<T> Slot<T> for Option<T> {
    const NILLABLE: bool = false;

    fn is_full(&self) -> bool {
        self.is_some()
    }

    fn fill(&mut self, value: T) {
        *self = Some(value);
    }

    fn fill_nil(&mut self) {}
}

impl<T> Slot<T> for Vec<T> {
    const NILLABLE: bool = false;

    fn is_full(&self) -> bool {
        false
    }

    fn fill(&mut self, value: T) {
        self.push(value);
    }

    fn fill_nil(&mut self) {}

    fn next_index(&self) -> Option<usize> {
        Some(self.len() + 1)
    }
}

/// Reads a simple child element into `slot`, keeping it as unknown content (at `position`
/// in `parent`, an XML type name) when the slot cannot take it.
#[inline]
pub(crate) fn read_simple<'a, T: Scalar, S: Slot<T>>(
    reader: &mut Reader<'a>,
    child: &Child<'a>,
    slot: &mut S,
    parent: &'static str,
    position: usize,
    unknown: &mut Unknown,
) -> Result<(), ReadError> {
    if slot.is_full() {
        return reader.keep_child(child, "repeated element", parent, position, unknown);
    }
    match reader.simple::<T>(child, S::NILLABLE)? {
        Simple::Value(value) => slot.fill(value),
        Simple::Nil => slot.fill_nil(),
        Simple::Kept(element, why) => reader.kept(element, why, parent, position, unknown)?,
    }
    Ok(())
}

/// Reads a complex child element (named `name`) into `slot`, as [`read_simple`] does.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_complex<'a, T: Decode, S: Slot<T>>(
    reader: &mut Reader<'a>,
    child: &Child<'a>,
    slot: &mut S,
    name: &'static str,
    parent: &'static str,
    position: usize,
    unknown: &mut Unknown,
) -> Result<(), ReadError> {
    if slot.is_full() {
        return reader.keep_child(child, "repeated element", parent, position, unknown);
    }
    if child.is_nil() {
        if !S::NILLABLE {
            return reader.keep_child(
                child,
                "nil where no nil is allowed",
                parent,
                position,
                unknown,
            );
        }
        reader.skip(child)?;
        slot.fill_nil();
        return Ok(());
    }
    let value = T::decode(reader, child).map_err(|e| e.within(name, slot.next_index()))?;
    slot.fill(value);
    Ok(())
}

/// A nillable simple element: nothing, nil, or a value that must not be empty.
pub(crate) fn write_field_scalar<T: Scalar>(
    out: &mut Vec<u8>,
    tag: &Tag,
    field: &Field<T>,
) -> Result<(), WriteError> {
    write_field(out, tag, field, |out, value| {
        out.extend_from_slice(tag.open.as_bytes());
        let content_start = out.len();
        value.write_text(out).map_err(|e| e.within(tag.name))?;
        let written = out.len() - content_start;
        out.extend_from_slice(tag.close.as_bytes());
        Ok(written)
    })
}

/// A nillable complex element: nothing, nil, or a value that must have content.
pub(crate) fn write_field_complex<T: Encode>(
    out: &mut Vec<u8>,
    tag: &Tag,
    field: &Field<T>,
) -> Result<(), WriteError> {
    write_field(out, tag, field, |out, value| value.write_element(out, tag))
}

/// The rule both share: `Absent` writes nothing, `Nil` the nil tag, `Value` the element
/// `write_value` writes (returning the length of its content), which must not be empty.
fn write_field<T>(
    out: &mut Vec<u8>,
    tag: &Tag,
    field: &Field<T>,
    write_value: impl FnOnce(&mut Vec<u8>, &T) -> Result<usize, WriteError>,
) -> Result<(), WriteError> {
    match field {
        Field::Absent => Ok(()),
        Field::Nil => {
            out.extend_from_slice(tag.nil.as_bytes());
            Ok(())
        }
        Field::Value(value) => {
            let before = out.len();
            if write_value(out, value)? == 0 {
                out.truncate(before);
                return Err(WriteError::empty(tag.name));
            }
            Ok(())
        }
    }
}
