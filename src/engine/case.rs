//! The case format: what a YAML case file may say.
//!
//! A file holds a list of cases under `cases:`. A case is a request (or a few
//! requests in `steps`) and what its answers must look like. Every struct
//! here refuses unknown members, so a typo in a case file is an error that
//! points at the line, never a silently ignored expectation.
//!
//! It stays one file (a little over 600 lines) on purpose: it is the format
//! itself, read top to bottom as `schemas/case.schema.json` is, and the
//! rules checked while parsing sit beside the members they guard.

use crate::model::ErrorKind;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;

/// Keeps an explicit `null` as a value: for `equals: null` or `body: null`
/// the null is the expectation, not the absence of one.
fn explicit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// How much weight a failed check carries.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An implementation choice the document leaves open: observed and
    /// reported, never failed.
    Info,
    /// A convention of AWS REST-JSON services that the document does not
    /// state (such as the `x-amzn-ErrorType` header).
    Should,
    /// Follows from the document.
    Must,
}

impl Level {
    pub const ALL: &'static [Level] = &[Level::Must, Level::Should, Level::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::Info => "info",
        }
    }

    pub fn from_name(s: &str) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| l.as_str() == s)
    }

    /// A check that by nature is a convention cannot weigh more than
    /// `should`, even in a `must` case.
    pub fn capped(self, cap: Level) -> Level {
        self.min(cap)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A case file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    #[serde(deserialize_with = "some_cases")]
    pub cases: Vec<Case>,
}

// The rules below are checked while parsing, not after: the parser's error
// then carries the position of the offending value, so `check` points at
// the very line and column to fix. (The parsed structs keep no position
// for these members.)

/// Separates what is wrong from what to write instead in the errors raised
/// while parsing; the loader makes the second part the diagnostic's help.
/// (The parser escapes newlines in messages, so a line break cannot.)
pub const HELP_SEPARATOR: &str = "; help: ";

fn refuse<E: serde::de::Error>(what: impl fmt::Display, help: &str) -> E {
    E::custom(format!("{what}{HELP_SEPARATOR}{help}"))
}

/// `cases: []` checks nothing and usually means the cases were put under
/// the wrong key or indented wrongly.
fn some_cases<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Case>, D::Error> {
    let cases = Vec::<Case>::deserialize(d)?;
    if cases.is_empty() {
        return Err(refuse(
            "`cases: []` holds no case, so the file checks nothing",
            "list at least one case under `cases:` (`- id: ...`), or delete the file",
        ));
    }
    Ok(cases)
}

/// RFC 9110 `tchar`: the characters an HTTP method (a token) may have.
pub fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// A method that is not a token cannot be sent: the HTTP client would
/// refuse it at run time, and the case would fail for the harness's sake.
fn http_method<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let method = String::deserialize(d)?;
    if !is_http_token(&method) {
        return Err(refuse(
            format!("method {method:?} is not an HTTP method"),
            "a method is one token of letters, digits and !#$%&'*+-.^_`|~ (RFC 9110), without spaces: write `method: POST`, `method: GET` and so on",
        ));
    }
    Ok(method)
}

/// The path is appended to the target's base URL; an absolute URL there
/// would send the request somewhere else than the target under test, and
/// a path without its leading `/` is almost always a typo.
fn request_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let path = String::deserialize(d)?;
    if has_scheme(&path) {
        return Err(refuse(
            format!("path {path:?} is an absolute URL"),
            "a case's path is appended to the target URL (--target); write only the path, such as `path: /jobs/list`",
        ));
    }
    if !path.starts_with('/') {
        return Err(refuse(
            format!("path {path:?} does not start with `/`"),
            "write the path from the root of the API, such as `path: /jobs/list`",
        ));
    }
    Ok(path)
}

/// `scheme:` at the start, as RFC 3986 spells a scheme (`http:`, `https:`,
/// `file:`...).
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

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

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable identifier, unique across the suite; names the test.
    pub id: Spanned<String>,
    /// What the case verifies: the property of the document it traces to.
    pub verifies: String,
    /// Requirement ids from `cases/requirements.yaml` this case covers.
    #[serde(default)]
    pub requirements: Vec<Spanned<String>>,
    pub level: Level,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The case needs the canonical data set (`cases/fixtures/jobs.json`)
    /// on the target; it is skipped otherwise.
    #[serde(default)]
    pub fixture: bool,
    /// The case provokes errors through the target's fault injection
    /// (the `x-macie-conform-fault` request header of `serve --faults`); it
    /// is skipped unless the target is declared to offer it.
    #[serde(default)]
    pub faults: bool,
    /// The case checks that the target refuses unsigned or badly signed
    /// requests (`run --target-checks-signatures`); it is skipped unless
    /// the target is declared to check them, and its requests are sent as
    /// written, never signed by `--sigv4`.
    #[serde(default)]
    pub signatures: bool,
    /// What the target's data must hold for the case to mean anything; the
    /// case is skipped, with that reason, on a target that holds less.
    #[serde(default)]
    pub requires: Requires,
    /// Single-step form: one request and its expectation.
    #[serde(default)]
    pub request: Option<Request>,
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Multi-step form.
    #[serde(default)]
    pub steps: Vec<Step>,
}

impl Case {
    /// The name of the snapshot file step `index` (0-based) writes: the id
    /// for a one-step case, `<id>.<step number>` when there are several.
    /// The runner names the files this way (`runner::run_case`); the loader
    /// uses it to refuse two steps that would write the same file.
    pub fn snapshot_name(&self, index: usize) -> String {
        if self.steps.len() > 1 {
            format!("{}.{}", self.id.value, index + 1)
        } else {
            self.id.value.clone()
        }
    }

    /// A guess at the round trips the case takes, to start the longest
    /// cases first: a run across a network lasts at least as long as its
    /// longest case, so that one must not start last. A request is one; a
    /// walk at `maxResults` 1 takes one per job, about
    /// [`Case::ROUND_TRIPS_ONE_JOB_WALK`]; any other walk a handful, about
    /// [`SPREAD_PAGES`] + 1. Only the order of starts depends on it.
    pub fn round_trips(&self) -> usize {
        let walk = |step: &Step| {
            let one_job = step
                .request
                .body
                .as_ref()
                .and_then(|b| b.get("maxResults"))
                .is_some_and(|m| m.as_u64() == Some(1));
            if one_job {
                Self::ROUND_TRIPS_ONE_JOB_WALK
            } else {
                SPREAD_PAGES + 1
            }
        };
        if self.steps.is_empty() {
            return 1;
        }
        self.steps
            .iter()
            .map(|s| if s.walk.is_some() { walk(s) } else { 1 })
            .sum()
    }

    /// See [`Case::round_trips`]: a listing of a few dozen jobs.
    pub const ROUND_TRIPS_ONE_JOB_WALK: usize = 30;

    /// The case's steps, whichever form it was written in.
    pub fn steps(&self) -> Vec<Step> {
        if self.steps.is_empty() {
            vec![Step {
                name: None,
                request: self.request.clone().unwrap_or_default(),
                walk: None,
                expect: self.expect.clone().unwrap_or_default(),
                capture: BTreeMap::new(),
            }]
        } else {
            self.steps.clone()
        }
    }
}

/// One request of a case, or a walk through every page of a listing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub request: Request,
    /// Follow `nextToken` until the last page and judge the pages together.
    #[serde(default)]
    pub walk: Option<Walk>,
    #[serde(default)]
    pub expect: Expect,
    /// Values taken from this step's answer for later steps: variable name
    /// to JSONPath. A later request uses `${name}` in any string. On a walk
    /// the JSONPath applies to the whole listing, `{"items": [...]}`.
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<String>>,
}

/// What a case needs of the target's data. The document says nothing of
/// how much data a server holds, so a case that needs, say, a second page
/// must say so rather than fail a server that holds one job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// The unfiltered listing must hold at least this many jobs.
    #[serde(default, deserialize_with = "min_jobs")]
    pub min_jobs: Option<usize>,
}

/// The most a case may require in `min_jobs`: the run counts the target's
/// jobs only this far, so a target with millions is not walked to the end.
pub const MAX_MIN_JOBS: usize = 100;

fn min_jobs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = usize::deserialize(d)?;
    if n > MAX_MIN_JOBS {
        return Err(serde::de::Error::custom(format!(
            "min_jobs {n} is more than the {MAX_MIN_JOBS} jobs a run counts; \
             ask for at most {MAX_MIN_JOBS}"
        )));
    }
    Ok(Some(n))
}

/// The run's own variables, defined for every case unless a variable of
/// the same name (`--var`) is given.
///
/// `small_page` is a `maxResults` for a case that needs a listing spread
/// over several pages but is not about the page size itself: the largest
/// size up to [`SMALL_PAGE_MAX`] that spreads the target's unfiltered
/// listing over at least [`SPREAD_PAGES`] pages, when the target honours
/// it, and 1 otherwise (1 is every server's: a page size the document
/// allows and a listing of single jobs). So a case that needs at most
/// `SPREAD_PAGES` pages of the unfiltered listing and declares as many in
/// `requires: {min_jobs}` gets them on any target, in a handful of round
/// trips rather than one per job.
pub const BUILTIN_VARIABLES: [&str; 1] = [SMALL_PAGE];

/// See [`BUILTIN_VARIABLES`].
pub const SMALL_PAGE: &str = "small_page";

/// The most jobs a `small_page` holds.
pub const SMALL_PAGE_MAX: usize = 10;

/// The fewest pages a `small_page` spreads the unfiltered listing over,
/// when the target holds that many jobs.
pub const SPREAD_PAGES: usize = 8;

/// The `small_page` for a target listing `jobs` jobs (`None`: not known),
/// before asking whether the target honours it.
pub fn small_page_for(jobs: Option<usize>) -> usize {
    jobs.map_or(1, |n| (n / SPREAD_PAGES).clamp(1, SMALL_PAGE_MAX))
}

/// Options of a page walk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    /// Stop after this many pages. The case is then not verified (the
    /// run is Incomplete, not failed): a correct server may hold a longer
    /// listing.
    #[serde(default = "Walk::default_max_pages")]
    pub max_pages: usize,
    /// The target may refuse the first request with a well-formed 400
    /// `ValidationException`, as it may a `maxResults` larger than it
    /// accepts (the document gives no range). The walk then ends there:
    /// the refusal is recorded as an observation and the listing checks
    /// are skipped.
    #[serde(default)]
    pub may_refuse: bool,
}

impl Walk {
    fn default_max_pages() -> usize {
        1_000
    }
}

/// An HTTP request. Defaults: `POST /jobs/list` with body `{}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default = "Request::default_method", deserialize_with = "http_method")]
    pub method: String,
    #[serde(default = "Request::default_path", deserialize_with = "request_path")]
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, written as YAML.
    #[serde(default, deserialize_with = "explicit")]
    pub body: Option<Value>,
    /// A body sent byte for byte (for malformed input). Excludes `body`.
    #[serde(default)]
    pub raw: Option<String>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            method: Self::default_method(),
            path: Self::default_path(),
            headers: BTreeMap::new(),
            body: None,
            raw: None,
        }
    }
}

impl Request {
    fn default_method() -> String {
        "POST".into()
    }
    fn default_path() -> String {
        "/jobs/list".into()
    }

    /// The bytes to send.
    pub fn body_bytes(&self) -> Vec<u8> {
        match (&self.raw, &self.body) {
            (Some(raw), _) => raw.clone().into_bytes(),
            (None, Some(body)) => body.to_string().into_bytes(),
            (None, None) => b"{}".to_vec(),
        }
    }

    /// The JSON body, when the request has one that the semantic checks can
    /// read (`{}` when none was written).
    pub fn json_body(&self) -> Option<Value> {
        match (&self.raw, &self.body) {
            (Some(raw), _) => serde_json::from_str(raw).ok(),
            (None, Some(body)) => Some(body.clone()),
            (None, None) => Some(Value::Object(Default::default())),
        }
    }
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
