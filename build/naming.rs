//! Rust names for the SOAP types: xsd-parser's naming, except that a type's postfix is always
//! added. Its default leaves a name that already ends in `Type` as it is, so a site WSDL that
//! declares both `Group` and `GroupType` (two of the service's record types) would get two
//! Rust types named `GroupType`; here they are `GroupType` and `GroupTypeType`.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use proc_macro2::Ident;
use xsd_parser::config::MetaType;
use xsd_parser::models::{make_type_name, Name, NameBuilder, Naming as DefaultNaming, TypeIdent};
use xsd_parser::traits::{NameBuilder as NameBuilderTrait, Naming};

#[derive(Debug, Clone, Default)]
pub struct DistinctTypeNames {
    id: Arc<AtomicUsize>,
    default: DefaultNaming,
}

impl Naming for DistinctTypeNames {
    fn clone_boxed(&self) -> Box<dyn Naming> {
        Box::new(self.clone())
    }

    fn builder(&self) -> Box<dyn NameBuilderTrait> {
        Box::new(NameBuilder::new(self.id.clone(), Box::new(self.clone())))
    }

    fn unify(&self, s: &str) -> String {
        self.default.unify(s)
    }

    fn make_type_name(&self, postfixes: &[String], ty: &MetaType, ident: &TypeIdent) -> Name {
        let postfix = postfixes
            .get(ident.type_ as usize)
            .map_or("", String::as_str);
        let name = make_type_name(self, postfixes, ty, ident);
        // The default kept the schema's own name because it already ends with the postfix.
        if name.is_named() && !postfix.is_empty() && name.as_str() == ident.name.as_str() {
            let formatted = self.format_type_name(ident.name.as_str());
            return Name::new_generated(format!("{formatted}{postfix}"));
        }
        name
    }

    fn make_unknown_variant(&self, id: usize) -> Ident {
        self.default.make_unknown_variant(id)
    }

    fn format_module_name(&self, s: &str) -> String {
        self.default.format_module_name(s)
    }

    fn format_type_name(&self, s: &str) -> String {
        self.default.format_type_name(s)
    }

    fn format_field_name(&self, s: &str) -> String {
        self.default.format_field_name(s)
    }

    fn format_variant_name(&self, s: &str) -> String {
        self.default.format_variant_name(s)
    }

    fn format_constant_name(&self, s: &str) -> String {
        self.default.format_constant_name(s)
    }
}
