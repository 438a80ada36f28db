//! The one rewrite of rendered code that the model cannot express (Server API readers).

/// A nillable optional element turned into a plain `Field<T>` struct field.
pub struct FieldElement {
    pub deserializer: String,
    pub element: String,
    pub field: String,
}

impl FieldElement {
    /// In this struct's deserializer, a missing element finishes as `Field::Absent`
    /// instead of a missing-element error. The rewrite is confined to the one
    /// deserializer, so equal element names in other types are not touched.
    pub fn patch(&self, code: String) -> Result<String, String> {
        let Self {
            deserializer,
            element,
            field,
        } = self;
        // Boxed deserializers implement the trait for `Box<...>`.
        let impl_marker = format!("for Box < {deserializer} > {{");
        let needle = format!("helper . finish_element (\"{element}\" , self . {field}) ?");
        let replacement = format!("self . {field} . unwrap_or_default ()");
        let mut search_from = 0;
        while let Some(offset) = code[search_from..].find(&impl_marker) {
            let start = search_from + offset;
            let end = code[start + impl_marker.len()..]
                .find("impl <")
                .map_or(code.len(), |o| start + impl_marker.len() + o);
            if let Some(hit) = code[start..end].find(&needle) {
                let at = start + hit;
                let mut patched = String::with_capacity(code.len());
                patched.push_str(&code[..at]);
                patched.push_str(&replacement);
                patched.push_str(&code[at + needle.len()..]);
                return Ok(patched);
            }
            search_from = end;
        }
        Err(format!(
            "no finishing call for nillable element `{element}` in {deserializer}: \
             the xsd-parser output changed (is it still pinned to 1.5.2?)"
        ))
    }
}
