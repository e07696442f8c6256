//! What an answer must satisfy: status, error, headers, JSONPath
//! assertions, the semantics a listing must keep and how listings of one
//! case relate. The second half of the case format (see `super`).

use super::*;

/// Status codes are three digits from 100 to 599 (RFC 9110); any other
/// number can never be answered, so the check could never pass.
fn status_set<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<StatusSet>, D::Error> {
    let set = StatusSet::deserialize(d)?;
    let codes = set.codes();
    if codes.is_empty() {
        return Err(refuse(
            "`status: []` allows no status, so every answer would fail",
            "give a code (`status: 200`) or a list of codes (`status: [200, 400]`), or leave `status` out",
        ));
    }
    if let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c)) {
        return Err(refuse(
            format!("status {bad} is not an HTTP status code"),
            "status codes run from 100 to 599: write, for example, `status: 200` or `status: [400, 404]`",
        ));
    }
    Ok(Some(set))
}

/// `any_of: []` has no alternative that could hold, so it would fail every
/// answer while looking like an expectation.
fn alternatives<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Expect>, D::Error> {
    let alternatives = Vec::<Expect>::deserialize(d)?;
    if alternatives.is_empty() {
        return Err(refuse(
            "`any_of: []` lists no alternative, so no answer could satisfy it",
            "list the outcomes the document allows (`any_of: [{status: 200}, {error: ValidationException}]`), or leave `any_of` out",
        ));
    }
    Ok(alternatives)
}

/// What an answer (or, for a walk, every page) must satisfy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Acceptable status codes.
    #[serde(default, deserialize_with = "status_set")]
    pub status: Option<StatusSet>,
    /// One of the documented errors: its status, an error-type signal naming
    /// it, and a body of its schema.
    #[serde(default)]
    pub error: Option<ErrorKind>,
    /// Body schema by shape name (a file of `schemas/`). Defaults to the
    /// response schema for a 200 and the error's schema for a documented
    /// error status; `none` turns schema checking off.
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    /// The body must equal this JSON value.
    #[serde(default, deserialize_with = "explicit")]
    pub body: Option<Value>,
    /// The body must contain this JSON value (objects: these members,
    /// recursively; arrays: these elements in this order, as a prefix).
    #[serde(default, deserialize_with = "explicit")]
    pub body_subset: Option<Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderCheck>,
    #[serde(default)]
    pub jsonpath: Vec<PathAssertion>,
    /// Properties that must hold for any data, computed from the request.
    #[serde(default)]
    pub semantics: Vec<Semantic>,
    /// Compare the listing with the answer computed from the fixture.
    #[serde(default)]
    pub oracle: bool,
    /// Compare the normalised answer with its stored snapshot.
    #[serde(default)]
    pub snapshot: bool,
    /// Alternatives where the document allows several outcomes: at least
    /// one must hold entirely (in addition to the checks above).
    #[serde(default, deserialize_with = "alternatives")]
    pub any_of: Vec<Expect>,
    /// (walks) How this walk's listing must relate to the listings of
    /// earlier named walk steps of the same case.
    #[serde(default)]
    pub relations: Vec<Relation>,
}

impl Expect {
    /// Whether anything is expected at all. Without any of these members a
    /// step passes whatever the target answers (its response schema is
    /// only checked by default when the answer happens to be a 200 or a
    /// documented error), so it would count as verified while checking
    /// nothing.
    pub fn expects_something(&self) -> bool {
        self.status.is_some()
            || self.error.is_some()
            || self.schema.is_some()
            || self.body.is_some()
            || self.body_subset.is_some()
            || !self.headers.is_empty()
            || !self.jsonpath.is_empty()
            || !self.semantics.is_empty()
            || self.oracle
            || self.snapshot
            || !self.any_of.is_empty()
            || !self.relations.is_empty()
    }
}

/// One status code or several acceptable ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

// Read by hand rather than `#[serde(untagged)]`: an untagged enum that
// matches nothing says only "did not match any variant of untagged enum
// StatusSet", which names a Rust type, not what to write.
impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = StatusSet;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code such as `200`, or a list such as `[200, 400]`")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<StatusSet, E> {
                status_code(n).map(StatusSet::One)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<StatusSet, E> {
                Err(not_a_status(n))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<StatusSet, E> {
                Err(not_a_status(n))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<StatusSet, E> {
                Err(not_a_status(format_args!("{s:?}")))
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<StatusSet, E> {
                Err(not_a_status(b))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<StatusSet, A::Error> {
                let mut codes = Vec::new();
                while let Some(StatusCode(c)) = seq.next_element()? {
                    codes.push(c);
                }
                Ok(StatusSet::Any(codes))
            }
        }
        d.deserialize_any(V)
    }
}

/// One code of a `status: [...]` list.
struct StatusCode(u16);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code such as `200`")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<StatusCode, E> {
                status_code(n).map(StatusCode)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<StatusCode, E> {
                Err(not_a_status(n))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<StatusCode, E> {
                Err(not_a_status(n))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<StatusCode, E> {
                Err(not_a_status(format_args!("{s:?}")))
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<StatusCode, E> {
                Err(not_a_status(b))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole number is a code as far as its type goes; whether it is in
/// 100..=599 is `status_set`'s rule, which names the code.
fn status_code<E: serde::de::Error>(n: u64) -> Result<u16, E> {
    u16::try_from(n).map_err(|_| not_a_status(n))
}

fn not_a_status<E: serde::de::Error>(what: impl fmt::Display) -> E {
    refuse(
        format!("status {what} is not an HTTP status code"),
        "status codes are whole numbers from 100 to 599, unquoted: write, for example, `status: 200` or `status: [400, 404]`",
    )
}

impl StatusSet {
    pub fn codes(&self) -> Vec<u16> {
        match self {
            StatusSet::One(c) => vec![*c],
            StatusSet::Any(v) => v.clone(),
        }
    }
}

/// A check of one response header (names are case-insensitive).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HeaderCheck {
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub equals: Option<String>,
    /// Substring, compared case-insensitively (media types, for instance).
    #[serde(default)]
    pub contains: Option<String>,
}

/// A JSONPath (RFC 9535) query and what its result must satisfy.
///
/// The single-node members repeat [`NodeCheck`]'s rather than flattening
/// it in: serde cannot combine `flatten` with `deny_unknown_fields`, and a
/// misspelt operator must stay a load error, not a silent no-op.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathAssertion {
    pub path: Spanned<String>,
    /// Whether the query selects anything.
    #[serde(default)]
    pub exists: Option<bool>,
    /// How many nodes the query selects.
    #[serde(default)]
    pub count: Option<Range>,
    /// Every selected node must satisfy this.
    #[serde(default)]
    pub each: Option<NodeCheck>,
    // The remaining members apply to the single selected node.
    #[serde(default, deserialize_with = "explicit")]
    pub equals: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "explicit")]
    pub contains: Option<Value>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub length: Option<Range>,
}

impl PathAssertion {
    /// The checks that apply to the single selected node.
    pub fn node(&self) -> NodeCheck {
        NodeCheck {
            equals: self.equals.clone(),
            one_of: self.one_of.clone(),
            contains: self.contains.clone(),
            kind: self.kind.clone(),
            length: self.length.clone(),
        }
    }
}

/// What one JSON node must satisfy.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeCheck {
    #[serde(default, deserialize_with = "explicit")]
    pub equals: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// A string containing this text, or an array containing this value.
    #[serde(default, deserialize_with = "explicit")]
    pub contains: Option<Value>,
    /// JSON type: null, boolean, number, integer, string, array, object.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Length of a string (characters) or array.
    #[serde(default)]
    pub length: Option<Range>,
}

impl NodeCheck {
    pub fn is_empty(&self) -> bool {
        *self == NodeCheck::default()
    }
}

/// An exact number or bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range {
    Exactly(u64),
    Between(Bounds),
}

// Read by hand rather than `#[serde(untagged)]`, whose only error names the
// Rust type ("untagged enum Range") and hides which bound is wrong.
impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Range;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number such as `3`, or bounds such as `{min: 1, max: 5}`")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Range, E> {
                Ok(Range::Exactly(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Range, E> {
                Err(not_a_count(n))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Range, E> {
                Err(not_a_count(n))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Range, E> {
                Err(not_a_count(format_args!("{s:?}")))
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Range, E> {
                Err(not_a_count(b))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Range, A::Error> {
                Bounds::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Range::Between)
            }
        }
        d.deserialize_any(V)
    }
}

/// Bounds of a [`Range`]; a misspelt bound is an error, not a silent no-op.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    #[serde(default, deserialize_with = "bound")]
    pub min: Option<u64>,
    #[serde(default, deserialize_with = "bound")]
    pub max: Option<u64>,
}

fn bound<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Range::deserialize(d).and_then(|r| match r {
        Range::Exactly(n) => Ok(Some(n)),
        Range::Between(_) => Err(not_a_count("a mapping")),
    })
}

fn not_a_count<E: serde::de::Error>(what: impl fmt::Display) -> E {
    refuse(
        format!("{what} is not a count"),
        "a length or count is a whole number of 0 or more, unquoted: write, for example, `length: 3` or `length: {min: 1, max: 5}`",
    )
}

impl Range {
    pub fn contains(&self, n: u64) -> bool {
        match self {
            Range::Exactly(e) => n == *e,
            Range::Between(b) => b.min.is_none_or(|m| n >= m) && b.max.is_none_or(|m| n <= m),
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::Exactly(e) => write!(f, "exactly {e}"),
            Range::Between(b) => match (b.min, b.max) {
                (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
                (Some(a), None) => write!(f, "at least {a}"),
                (None, Some(b)) => write!(f, "at most {b}"),
                (None, None) => write!(f, "any number"),
            },
        }
    }
}

/// A property computed from the request that any correct answer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Semantic {
    /// Every listed job satisfies the request's filter criteria.
    Filter,
    /// Jobs are in the order the request's sort criteria ask for.
    Sort,
    /// No page holds more jobs than `maxResults`.
    PageSize,
    /// (walks) No job appears on two pages.
    NoDuplicates,
    /// (walks) The pages together hold the same jobs as a walk with the
    /// server's default page size.
    Complete,
}

impl Semantic {
    pub fn as_str(self) -> &'static str {
        match self {
            Semantic::Filter => "filter",
            Semantic::Sort => "sort",
            Semantic::PageSize => "page_size",
            Semantic::NoDuplicates => "no_duplicates",
            Semantic::Complete => "complete",
        }
    }
}

/// A metamorphic relation between this walk's listing and the listing of
/// an earlier named walk step of the same case: a property that holds
/// whatever data the target holds, as when adding a filter term can only
/// narrow a listing. Jobs are told apart by their `jobId`
/// (`check::job_key`). Each name is the `name` of that earlier step: a
/// walk, whose whole listing counts, or a request step, whose one page's
/// jobs count (as when a walk continues from that page's `nextToken`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Relation {
    /// Every job of this listing is in the named one.
    SubsetOf(Spanned<String>),
    /// Every job of the named listing is in this one.
    SupersetOf(Spanned<String>),
    /// The same jobs, each as many times.
    SameJobsAs(Spanned<String>),
    /// No job is in both.
    DisjointFrom(Spanned<String>),
    /// The same jobs, and this step's sort attribute runs position by
    /// position as the named listing's does backwards (ties may be in any
    /// order). Needs this step's request to set `sortCriteria`.
    ReversedFrom(Spanned<String>),
    /// This listing and `part`'s share no job and together hold exactly
    /// `all`'s jobs.
    ComplementOf(Complement),
}

/// The two listings of [`Relation::ComplementOf`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complement {
    /// The listing this one and `part` split between them.
    pub all: Spanned<String>,
    /// The other share of `all`.
    pub part: Spanned<String>,
}

impl Relation {
    /// The relation as a case file spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Relation::SubsetOf(_) => "subset_of",
            Relation::SupersetOf(_) => "superset_of",
            Relation::SameJobsAs(_) => "same_jobs_as",
            Relation::DisjointFrom(_) => "disjoint_from",
            Relation::ReversedFrom(_) => "reversed_from",
            Relation::ComplementOf(_) => "complement_of",
        }
    }

    /// The steps the relation names, as written (with their positions).
    pub fn names(&self) -> Vec<&Spanned<String>> {
        match self {
            Relation::SubsetOf(n)
            | Relation::SupersetOf(n)
            | Relation::SameJobsAs(n)
            | Relation::DisjointFrom(n)
            | Relation::ReversedFrom(n) => vec![n],
            Relation::ComplementOf(c) => vec![&c.all, &c.part],
        }
    }
}
