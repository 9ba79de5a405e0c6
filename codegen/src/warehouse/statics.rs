//! clerk-sync's resources as static data in `clerk-sync-layout`'s types, every text and list
//! borrowed: no code that calls the client or names clerk-sync's items.

use clerk_sync_layout::{Resource, Table};
use proc_macro2::TokenStream;
use quote::quote;

/// The resources as static data in the shared layout types: every text and list borrowed.
pub(super) fn resources(resources: &[Resource]) -> TokenStream {
    let statics = resources.iter().map(|r| {
        let (name, item, path, object) = (text(&r.name), text(&r.item), text(&r.path), optional_text(r.object.as_ref()));
        let p = &r.paging;
        let [limit, offset, starting_after, created_at_after, order_by, items, total] =
            [&p.limit, &p.offset, &p.starting_after, &p.created_at_after, &p.order_by, &p.items, &p.total].map(|t| optional_text(t.as_ref()));
        let table = table_tokens(&r.table);
        quote! {
            Resource {
                name: #name, item: #item, object: #object, path: #path,
                paging: Paging { limit: #limit, offset: #offset, starting_after: #starting_after, created_at_after: #created_at_after, order_by: #order_by, items: #items, total: #total },
                table: #table,
            }
        }
    });
    quote! {
        //! Every list clerk-sync loads, with how it is paged and the layout of its tables.
        use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table};
        use std::borrow::Cow;

        /// Every synced resource, by table name.
        pub static RESOURCES: &[Resource] = &[#(#statics),*];
    }
}

fn text(value: &str) -> TokenStream {
    quote!(Cow::Borrowed(#value))
}

fn optional_text(value: Option<&clerk_sync_layout::Text>) -> TokenStream {
    match value {
        Some(value) => {
            let value = text(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    }
}

fn table_tokens(table: &Table) -> TokenStream {
    let name = text(&table.name);
    let columns = table.columns.iter().map(|c| {
        let name = text(&c.name);
        let path = c.path.iter().map(|p| text(p));
        let ty = proc_macro2::Ident::new(&format!("{:?}", c.ty), proc_macro2::Span::call_site());
        let description = optional_text(c.description.as_ref());
        quote!(Column { name: #name, path: Cow::Borrowed(&[#(#path),*]), ty: ColumnType::#ty, description: #description })
    });
    let children = table.children.iter().map(|child| {
        let (field, table) = (text(&child.field), table_tokens(&child.table));
        quote!(Child { field: #field, table: #table })
    });
    let description = optional_text(table.description.as_ref());
    quote!(Table { name: #name, description: #description, columns: Cow::Borrowed(&[#(#columns),*]), children: Cow::Borrowed(&[#(#children),*]) })
}
