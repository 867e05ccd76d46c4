//! The function `#[secure]` is written on: its attributes sorted, its route
//! attribute found, and what its arguments and return type are to the
//! expansion (request inputs to validate, a `Json<T>` response to redact).

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, Item, ItemFn, LitStr, Pat, PathArguments, ReturnType,
    Type,
};

use crate::ctxt::Ctxt;

/// The route attributes of actix-web that `#[secure]` must be written above,
/// matched on the last segment of the attribute's path (so that
/// `#[actix_web::get(..)]` is one too).
pub(crate) const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "query",
    "route",
];

/// The function `#[secure]` is written on, split the way the expansion
/// needs it.
pub(crate) struct Handler {
    /// The function as written; its attributes are sorted into the fields
    /// below.
    pub(crate) item: ItemFn,
    /// Attributes that stay on the outer function: doc comments (actix-web's
    /// route macro copies them onto the service it generates), `cfg` and
    /// `cfg_attr`.
    pub(crate) outer_attrs: Vec<Attribute>,
    /// Every other attribute but the route attribute: they go on the inner
    /// function that holds the user's code.
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The route attributes found (`check.rs` requires exactly one).
    pub(crate) routes: Vec<RouteAttr>,
    /// `#[routes]` (several routes on one handler), which `#[secure]` does
    /// not support.
    pub(crate) multi_route: Option<Attribute>,
    /// A second `#[secure]` below the one being expanded.
    pub(crate) repeated_secure: Option<Attribute>,
}

/// A route attribute: `#[get("/path")]`, `#[route("/path", method = "GET")]`.
pub(crate) struct RouteAttr {
    /// The attribute as written.
    pub(crate) attr: Attribute,
    /// The route path, when the attribute starts with a string literal.
    pub(crate) path: Option<LitStr>,
    /// The attribute's arguments after the path (from its first comma on).
    pub(crate) rest: TokenStream,
}

/// What `#[secure]` is written on: an `async fn` handler, or something else.
pub(crate) enum Target {
    /// A function (`check.rs` checks that it is a usable handler).
    Handler(Box<Handler>),
    /// Any other item; its leading keyword, where the error points.
    NotAFunction(Span),
}

impl Target {
    /// Parses the item `#[secure]` is written on. `None` when it is not an
    /// item at all (rustc will report the syntax error).
    pub(crate) fn parse(item: TokenStream, cx: &Ctxt) -> Option<Self> {
        match syn::parse2::<Item>(item) {
            Ok(Item::Fn(item)) => Some(Target::Handler(Box::new(Handler::new(item, cx)))),
            Ok(other) => Some(Target::NotAFunction(item_keyword_span(&other))),
            Err(error) => {
                cx.push(error);
                None
            }
        }
    }
}

/// The span of an item's leading keyword (`struct`, `impl`, ...), so that an
/// error about the item's kind does not underline all of it.
fn item_keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

impl Handler {
    /// Sorts the function's attributes and finds its route attribute(s).
    fn new(mut item: ItemFn, cx: &Ctxt) -> Self {
        let mut outer_attrs = Vec::new();
        let mut inner_attrs = Vec::new();
        let mut routes = Vec::new();
        let mut multi_route = None;
        let mut repeated_secure = None;
        for attr in std::mem::take(&mut item.attrs) {
            let last = attr
                .path()
                .segments
                .last()
                .map(|segment| segment.ident.to_string());
            match last.as_deref() {
                Some("doc" | "cfg" | "cfg_attr") if attr.path().get_ident().is_some() => {
                    outer_attrs.push(attr);
                }
                Some(name) if ROUTE_ATTRIBUTES.contains(&name) => {
                    routes.push(RouteAttr::new(attr, cx));
                }
                Some("routes") => multi_route = Some(attr),
                Some("secure") if repeated_secure.is_none() => repeated_secure = Some(attr),
                _ => inner_attrs.push(attr),
            }
        }
        Handler {
            item,
            outer_attrs,
            inner_attrs,
            routes,
            multi_route,
            repeated_secure,
        }
    }

    /// The typed arguments (`pattern: Type`), `self` receivers left out.
    pub(crate) fn typed_args(&self) -> impl Iterator<Item = &syn::PatType> {
        self.item.sig.inputs.iter().filter_map(|arg| match arg {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        })
    }

    /// The typed arguments, each with the name it binds and whether it is a
    /// request input that `#[secure]` validates.
    pub(crate) fn args(&self) -> impl Iterator<Item = HandlerArg<'_>> {
        self.typed_args().map(|arg| HandlerArg {
            name: match &*arg.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => Some(&pat.ident),
                _ => None,
            },
            input: input_arg(&arg.ty),
            arg,
        })
    }

    /// What the declared return type says about the response.
    pub(crate) fn response(&self) -> Response<'_> {
        let ReturnType::Type(_, ty) = &self.item.sig.output else {
            return Response::AsIs;
        };
        if let Some(inner) = generic_of(ty, "Json") {
            return Response::Json(inner);
        }
        let ok = last_segment(ty)
            .filter(|segment| segment.ident == "Result")
            .and_then(|segment| type_args(segment).next());
        match ok.and_then(|ok| generic_of(ok, "Json")) {
            Some(inner) => Response::ResultOfJson(inner),
            None => Response::AsIs,
        }
    }
}

/// A typed argument of the handler.
pub(crate) struct HandlerArg<'a> {
    /// The argument as written.
    pub(crate) arg: &'a syn::PatType,
    /// The name it binds, when its pattern is an identifier (`body`, `mut body`).
    pub(crate) name: Option<&'a Ident>,
    /// Set when the argument is a request input that `#[secure]` validates.
    pub(crate) input: Option<InputArg<'a>>,
}

/// An argument read from the request by `#[secure]`'s own extractors:
/// `Json<T>`, `Form<T>`, `Query<T>`, or `Path<T>` of a struct (any path
/// ending so, such as `web::Json<T>`). They read strictly, within the body
/// limit, and validate `T`.
pub(crate) struct InputArg<'a> {
    /// The `T`, which must implement `secure_api::Input` unless it is plain.
    pub(crate) inner: &'a Type,
    /// Whether `T` is plain data (see [`is_plain`]): no `validator` rules
    /// to run, so it is read without them, as if named in `unvalidated`.
    pub(crate) plain: bool,
}

/// What a handler's declared return type says about its response.
pub(crate) enum Response<'a> {
    /// `Json<T>`: answered through `Reply<T>`, redacted for the caller.
    Json(&'a Type),
    /// `Result<Json<T>, E>`: the `Ok` value answered through `Reply<T>`.
    ResultOfJson(&'a Type),
    /// Anything else (`impl Responder`, `Reply<T>`, `HttpResponse`, ...):
    /// answered as it is.
    AsIs,
}

/// The extractors whose `T` is read by `#[secure]`.
const INPUT_EXTRACTORS: &[&str] = &["Json", "Form", "Query", "Path"];

/// Types that are single values, with no field that could carry a
/// `validator` rule. `String` and `Uuid` are recognised by their last
/// segment. `serde_json::Value` is not here: a type named `Value` may well
/// be the application's own struct, with rules, and a mistake here would
/// skip them silently; free-form JSON is named in `unvalidated` instead.
const SCALARS: &[&str] = &[
    "bool", "char", "str", "String", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize", "f32", "f64", "Uuid",
];

/// The standard containers, plain when what they hold is.
const CONTAINERS: &[&str] = &[
    "Vec", "VecDeque", "Option", "Box", "HashMap", "BTreeMap", "HashSet", "BTreeSet",
];

/// The input argument `ty` is, if any: `Json<T>`, `Form<T>`, `Query<T>`,
/// or `Path<T>` when `T` is not plain data (a path parameter such as `u64`
/// or `(String, u32)` is left to actix-web).
fn input_arg(ty: &Type) -> Option<InputArg<'_>> {
    let extractor = last_segment(ty)?;
    let name = extractor.ident.to_string();
    if !INPUT_EXTRACTORS.contains(&name.as_str()) {
        return None;
    }
    let mut args = type_args(extractor);
    let (Some(inner), None) = (args.next(), args.next()) else {
        return None;
    };
    let plain = is_plain(inner);
    if name == "Path" && plain {
        return None;
    }
    Some(InputArg { inner, plain })
}

/// Whether `ty` is plain data: a scalar ([`SCALARS`]), or a tuple, array,
/// slice, reference or standard container ([`CONTAINERS`]) of plain data.
/// Any other type, a struct of the application's, may carry rules.
pub(crate) fn is_plain(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.iter().all(is_plain),
        Type::Array(array) => is_plain(&array.elem),
        Type::Slice(slice) => is_plain(&slice.elem),
        Type::Reference(reference) => is_plain(&reference.elem),
        Type::Group(group) => is_plain(&group.elem),
        Type::Paren(paren) => is_plain(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(segment) = path.path.segments.last() else {
                return false;
            };
            if SCALARS.iter().any(|scalar| segment.ident == scalar) {
                return segment.arguments.is_none();
            }
            CONTAINERS
                .iter()
                .any(|container| segment.ident == container)
                && type_args(segment).all(is_plain)
        }
        _ => false,
    }
}

/// `T` when `ty` is `Name<T>` (its path ending in `Name`, one type argument).
fn generic_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty).filter(|segment| segment.ident == name)?;
    let mut args = type_args(segment);
    match (args.next(), args.next()) {
        (Some(inner), None) => Some(inner),
        _ => None,
    }
}

/// The last segment of a type's path (`Json<T>` of `web::Json<T>`),
/// through invisible groups and parentheses.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// The type arguments of a path segment (`T` and `E` of `Result<T, E>`).
fn type_args(segment: &syn::PathSegment) -> impl Iterator<Item = &Type> {
    let args = match &segment.arguments {
        PathArguments::AngleBracketed(args) => Some(&args.args),
        _ => None,
    };
    args.into_iter().flatten().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

impl RouteAttr {
    /// Splits a route attribute into its path literal and the other arguments.
    fn new(attr: Attribute, cx: &Ctxt) -> Self {
        let split = |input: ParseStream| -> syn::Result<(LitStr, TokenStream)> {
            Ok((input.parse()?, input.parse()?))
        };
        let (path, rest) = match attr.parse_args_with(split) {
            Ok((path, rest)) => (Some(path), rest),
            Err(_) => {
                let name = attr
                    .path()
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string())
                    .unwrap_or_default();
                cx.spanned(
                    &attr,
                    format!("expected the route path as a string literal: `#[{name}(\"/path\")]`"),
                );
                (None, TokenStream::new())
            }
        };
        RouteAttr { attr, path, rest }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain;

    /// Whether `ty` parses and is plain data.
    fn plain(ty: &str) -> bool {
        match syn::parse_str::<syn::Type>(ty) {
            Ok(ty) => is_plain(&ty),
            Err(error) => panic!("{ty}: {error}"),
        }
    }

    #[test]
    fn plain_data_and_structs() {
        for ty in [
            "u64",
            "String",
            "std::string::String",
            "uuid::Uuid",
            "(String, u32)",
            "()",
            "Vec<String>",
            "Option<Vec<u8>>",
            "HashMap<String, u32>",
            "std::collections::BTreeMap<String, (u8, bool)>",
            "[u8; 4]",
        ] {
            assert!(plain(ty), "{ty}");
        }
        for ty in [
            "NewCustomer",
            "models::NewCustomer",
            "serde_json::Value",
            "Value",
            "Vec<Item>",
            "Option<Address>",
            "HashMap<String, Item>",
            "(String, Item)",
            "String<X>",
            "Cow<'static, str>",
        ] {
            assert!(!plain(ty), "{ty}");
        }
    }
}
