//! The case format: what a YAML case file may say.
//!
//! A file holds a list of cases under `cases:`. A case is a request (or a few
//! requests in `steps`) and what its answers must look like. Every struct
//! here refuses unknown members, so a typo in a case file is an error that
//! points at the line, never a silently ignored expectation.
//!
//! It reads top to bottom as `schemas/case.schema.json` does, with the
//! rules checked while parsing beside the members they guard: here a case,
//! its steps and requests; in `expect` what their answers must satisfy.

use crate::model::ErrorKind;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;

mod expect;
pub use expect::*;

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
            "a case's path is appended to the target's base URL; write only the path, such as `path: /jobs/list`",
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
