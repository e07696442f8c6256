//! Drawing recipes at random from what the exploration learned: queries,
//! terms, values (awkward ones too) and flaws, each from the seed's stream.

use super::*;

/// Text that trips servers: pattern and wildcard characters, quotes,
/// spaces, non-ASCII and control characters. Never `${`, which a case
/// file reads as a variable.
pub(super) const AWKWARD: &[&str] = &[
    "%", "_", "%_%", "a%", "_a", ".", ".*", "^", "$", "[a-z]", "(", ")", "*", "?", "+", "\\", "|",
    "{", "}", "[", "]", " ", "  ", "'", "\"", "<", ">", "&", "/", "\u{0}", "\t", "\n", "ü", "É",
    "日本", "🙂", "e\u{301}", "\u{fffd}", "\u{200b}", "İ", "ß", "--", ";", "*/", "%25", "\\n",
];

/// A random generator seeded from the run's seed and a stream number, so
/// each round draws the same numbers whatever happened before.
pub(crate) fn rng(seed: u64, stream: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The learning round's recipes: the census and every key and comparator
/// pair, with a value from the data.
pub(crate) fn learning(rng: &mut fastrand::Rng, k: &Knowledge) -> Vec<Recipe> {
    let mut out = vec![Recipe::Census];
    for &key in Key::ALL {
        for &cmp in Cmp::ALL {
            // A value the data holds exactly: where a comparator's edge
            // is, a wrong one shows.
            let value = match key {
                Key::CreatedAt if !matches!(cmp, Cmp::Contains | Cmp::StartsWith) => {
                    exact_date_time(rng, k)
                }
                _ => value_for(rng, k, key, cmp),
            };
            out.push(Recipe::Pair {
                term: Term {
                    key,
                    comparator: cmp,
                    values: vec![value],
                },
            });
        }
    }
    // Name values that engines read as patterns or wildcards, once each:
    // the classic ways a server mistakes a literal for a pattern.
    for (cmp, value) in [
        (Cmp::Contains, "%"),
        (Cmp::StartsWith, "_"),
        (Cmp::Contains, ".*"),
        (Cmp::StartsWith, "[a-z]"),
        (Cmp::Eq, "*"),
        (Cmp::Contains, "\\"),
    ] {
        out.push(Recipe::Listing {
            query: Query {
                includes: vec![Term {
                    key: Key::Name,
                    comparator: cmp,
                    values: vec![value.to_string()],
                }],
                ..Query::default()
            },
            page: None,
        });
    }
    // Every documented error once, where the target can be made to answer it.
    if k.faults {
        out.extend(ErrorKind::ALL.iter().map(|&error| Recipe::Fault { error }));
    }
    out
}

/// A `createdAt` of the data, as the target spelled it (in UTC).
pub(super) fn exact_date_time(rng: &mut fastrand::Rng, k: &Knowledge) -> String {
    let times: Vec<time::OffsetDateTime> = k
        .jobs
        .iter()
        .filter_map(|j| j.get("createdAt").and_then(Value::as_str))
        .filter_map(crate::model::parse_date_time)
        .collect();
    let at = pick(rng, &times).unwrap_or(time::macros::datetime!(2024-01-01 00:00 UTC));
    crate::model::format_date_time(at.to_offset(time::UtcOffset::UTC))
        .unwrap_or_else(|| "2024-01-01T00:00:00Z".into())
}

/// `n` recipes drawn at random.
pub(crate) fn draw(rng: &mut fastrand::Rng, k: &Knowledge, n: usize) -> Vec<Recipe> {
    (0..n).map(|_| one(rng, k)).collect()
}

/// One recipe. The shares: listings 28 %, narrowing 14 %, widening 10 %,
/// complements 10 %, reversals 8 %, malformed requests 17 %, impossible
/// values 4 %, media types 3 %, tokens 3 %, provoked errors 3 % (listings
/// when the target has no fault injection).
pub(super) fn one(rng: &mut fastrand::Rng, k: &Knowledge) -> Recipe {
    let roll = rng.u32(0..100);
    match roll {
        0..=27 => {
            let query = random_query(rng, k);
            let page = page_size(rng, query.estimate(k));
            Recipe::Listing { query, page }
        }
        28..=41 => {
            let base = random_query(rng, k);
            Recipe::Narrow {
                extra: random_term(rng, k),
                exclude: rng.bool(),
                base,
            }
        }
        42..=51 => {
            let mut base = random_query(rng, k);
            base.includes.truncate(1);
            let (key, cmp) = pick(
                rng,
                &accepted(k)
                    .into_iter()
                    .filter(|(_, c)| *c != Cmp::Ne)
                    .collect::<Vec<_>>(),
            )
            .unwrap_or((Key::JobType, Cmp::Eq));
            let term = Term {
                key,
                comparator: cmp,
                values: vec![value_for(rng, k, key, cmp)],
            };
            Recipe::Widen {
                value: value_for(rng, k, key, cmp),
                term,
                base,
            }
        }
        52..=61 => {
            let mut term = random_term(rng, k);
            term.values.truncate(2);
            Recipe::Complement { term }
        }
        62..=69 => {
            let mut query = random_query(rng, k);
            query.sort = None;
            let attribute = *pick(rng, &[Attr::CreatedAt, Attr::JobStatus, Attr::JobType])
                .as_ref()
                .unwrap_or(&Attr::CreatedAt);
            Recipe::Reverse { query, attribute }
        }
        70..=86 => {
            let mut base = random_query(rng, k);
            base.includes.truncate(1);
            base.excludes.truncate(1);
            Recipe::Invalid {
                base,
                flaw: random_flaw(rng),
            }
        }
        87..=90 => {
            let key = *pick(rng, &[Key::JobType, Key::JobStatus, Key::CreatedAt])
                .as_ref()
                .unwrap_or(&Key::JobType);
            let value = match key {
                Key::CreatedAt => pick(
                    rng,
                    &[
                        "yesterday",
                        "2024-01-01",
                        "0",
                        "2024-13-45T99:00:00Z",
                        "now",
                    ],
                )
                .unwrap_or("yesterday")
                .to_string(),
                _ => awkward(rng),
            };
            Recipe::Impossible {
                term: Term {
                    key,
                    comparator: Cmp::Eq,
                    values: vec![value],
                },
            }
        }
        91..=93 => Recipe::ContentType {
            query: random_query(rng, k),
            media: pick(
                rng,
                &[
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "application/xml",
                    "application/x-amz-json-1.1",
                ],
            )
            .unwrap_or("text/plain")
            .to_string(),
        },
        94..=96 => {
            let mut query = random_query(rng, k);
            query.includes.clear();
            query.excludes.clear();
            Recipe::Token {
                query,
                mangle: pick(rng, &[Mangle::Append, Mangle::Prepend, Mangle::Doubled])
                    .unwrap_or(Mangle::Append),
            }
        }
        _ if k.faults => Recipe::Fault {
            error: pick(rng, ErrorKind::ALL).unwrap_or(ErrorKind::ThrottlingException),
        },
        _ => Recipe::Listing {
            query: random_query(rng, k),
            page: None,
        },
    }
}

pub(super) fn pick<T: Clone>(rng: &mut fastrand::Rng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[rng.usize(0..items.len())].clone())
    }
}

/// The pairs the target did not refuse.
pub(super) fn accepted(k: &Knowledge) -> Vec<(Key, Cmp)> {
    Key::ALL
        .iter()
        .flat_map(|&key| Cmp::ALL.iter().map(move |&cmp| (key, cmp)))
        .filter(|p| !k.refused.contains(p))
        .collect()
}

pub(super) fn random_term(rng: &mut fastrand::Rng, k: &Knowledge) -> Term {
    let (key, cmp) = pick(rng, &accepted(k)).unwrap_or((Key::JobType, Cmp::Eq));
    // Mostly one value; now and then several, and rarely hundreds.
    let n = match rng.u32(0..40) {
        0..=25 => 1,
        26..=36 => rng.usize(2..=3),
        37..=38 => rng.usize(10..=60),
        _ => rng.usize(100..=300),
    };
    let values = (0..n).map(|_| value_for(rng, k, key, cmp)).collect();
    Term {
        key,
        comparator: cmp,
        values,
    }
}

pub(super) fn random_query(rng: &mut fastrand::Rng, k: &Knowledge) -> Query {
    let includes = match rng.u32(0..10) {
        0..=2 => 0,
        3..=6 => 1,
        7..=8 => 2,
        _ => 3,
    };
    let excludes = match rng.u32(0..10) {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    };
    let sort = if rng.u32(0..10) < 7 {
        Some((
            pick(rng, Attr::ALL).unwrap_or(Attr::CreatedAt),
            pick(rng, OrderBy::ALL).unwrap_or(OrderBy::Asc),
        ))
    } else {
        None
    };
    Query {
        includes: (0..includes).map(|_| random_term(rng, k)).collect(),
        excludes: (0..excludes).map(|_| random_term(rng, k)).collect(),
        sort,
    }
}

/// A page size from 1 up, small enough that the walk stays short when the
/// number of matching jobs is known; `None` half the time (the target's
/// own size).
pub(super) fn page_size(rng: &mut fastrand::Rng, matching: Option<usize>) -> Option<u32> {
    if rng.bool() {
        return None;
    }
    let sizes = [1u32, 2, 3, 4, 5, 7, 10, 25, 50, 100, 1000];
    let fits: Vec<u32> = sizes
        .into_iter()
        .filter(|&p| match matching {
            Some(m) => m.div_ceil(p as usize) <= 30,
            None => p >= 25,
        })
        .collect();
    pick(rng, &fits)
}

/// Values that a LIKE or glob reads as "anything".
pub(super) const WILDCARDS: &[&str] = &["%", "_", "%%", "__", "%_", "*", "?"];

pub(super) fn awkward(rng: &mut fastrand::Rng) -> String {
    match rng.u32(0..10) {
        2 | 3 => pick(rng, WILDCARDS).unwrap_or("%").to_string(),
        0 => {
            // Long text: hundreds of characters.
            let unit = pick(rng, &["a", "ab%", "日本", "x_"]).unwrap_or("a");
            unit.repeat(rng.usize(100..400))
        }
        1 => format!(
            "{}{}",
            pick(rng, AWKWARD).unwrap_or("%"),
            pick(rng, AWKWARD).unwrap_or("_")
        ),
        _ => pick(rng, AWKWARD).unwrap_or("%").to_string(),
    }
}

/// A filter value for the key and comparator: mostly taken from the
/// target's data (whole, cut, or just beside it), sometimes awkward text.
pub(super) fn value_for(rng: &mut fastrand::Rng, k: &Knowledge, key: Key, cmp: Cmp) -> String {
    let from_job = |rng: &mut fastrand::Rng, member: &str| -> Option<String> {
        let with: Vec<&str> = k
            .jobs
            .iter()
            .filter_map(|j| j.get(member).and_then(Value::as_str))
            .filter(|s| !s.contains("${"))
            .collect();
        pick(rng, &with).map(str::to_string)
    };
    match key {
        Key::JobType | Key::JobStatus => {
            let names = if key == Key::JobType {
                JobType::wire_names()
            } else {
                JobStatus::wire_names()
            };
            let name = pick(rng, &names).unwrap_or("RUNNING").to_string();
            match cmp {
                Cmp::Contains => fragment(rng, &name, false),
                Cmp::StartsWith => fragment(rng, &name, true),
                _ => name,
            }
        }
        Key::Name => {
            // Matching text is where pattern and wildcard faults hide.
            let odds = if matches!(cmp, Cmp::Contains | Cmp::StartsWith) {
                3
            } else {
                5
            };
            if rng.u32(0..odds) == 0 {
                return awkward(rng);
            }
            let name = from_job(rng, "name").unwrap_or_else(|| "job".to_string());
            match cmp {
                Cmp::Contains => fragment(rng, &name, false),
                Cmp::StartsWith => fragment(rng, &name, true),
                _ => name,
            }
        }
        Key::CreatedAt => {
            let at = from_job(rng, "createdAt")
                .and_then(|s| crate::model::parse_date_time(&s))
                .unwrap_or(time::macros::datetime!(2024-01-01 00:00 UTC));
            if matches!(cmp, Cmp::Contains | Cmp::StartsWith) {
                let text = crate::model::format_date_time(at).unwrap_or_default();
                return fragment(rng, &text, cmp == Cmp::StartsWith);
            }
            // Mostly the value itself: a comparator's edge is where
            // faults hide. Otherwise just beside it.
            let shifted = match rng.u32(0..10) {
                0 => at + time::Duration::milliseconds(1),
                1 => at - time::Duration::milliseconds(1),
                2 => at + time::Duration::seconds(1),
                3 => at.replace_millisecond(0).unwrap_or(at),
                _ => at,
            };
            let utc = shifted.to_offset(time::UtcOffset::UTC);
            if rng.u32(0..4) == 0 {
                // Whole seconds, no fraction: compared as text, this sorts
                // after every fraction of the same second.
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    utc.year(),
                    u8::from(utc.month()),
                    utc.day(),
                    utc.hour(),
                    utc.minute(),
                    utc.second()
                )
            } else {
                crate::model::format_date_time(utc).unwrap_or_else(|| "2024-01-01T00:00:00Z".into())
            }
        }
    }
}

/// A piece of `text`: its beginning (`prefix`), or a piece from inside.
pub(super) fn fragment(rng: &mut fastrand::Rng, text: &str, prefix: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 1 {
        return text.to_string();
    }
    let start = if prefix {
        0
    } else {
        rng.usize(0..chars.len() - 1)
    };
    let end = rng.usize(start + 1..=chars.len());
    chars[start..end].iter().collect()
}

pub(super) fn random_flaw(rng: &mut fastrand::Rng) -> Flaw {
    use Seg::{Index as I, Member as M};
    let side = *pick(rng, &["includes", "excludes"])
        .as_ref()
        .unwrap_or(&"includes");
    let term = |m: &'static str| vec![M("filterCriteria"), M(side), I(0), M(m)];
    let choices: Vec<(Vec<Seg>, Vec<Option<Value>>)> = vec![
        (
            vec![M("maxResults")],
            vec![
                Some(json!("10")),
                Some(json!(true)),
                Some(json!(1.5)),
                Some(json!([1])),
                Some(json!({"n": 1})),
                Some(json!(0)),
                Some(json!(-1)),
                Some(json!(2147483648u64)),
                Some(json!(-2147483649i64)),
            ],
        ),
        (
            vec![M("nextToken")],
            vec![
                Some(json!(1)),
                Some(json!({})),
                Some(json!([])),
                Some(json!(true)),
            ],
        ),
        (
            vec![M("filterCriteria")],
            vec![Some(json!([])), Some(json!("x")), Some(json!(1))],
        ),
        (
            vec![M("filterCriteria"), M(side)],
            vec![Some(json!({})), Some(json!("x")), Some(json!(1))],
        ),
        (
            vec![M("filterCriteria"), M(side), I(0)],
            vec![Some(json!("x")), Some(json!(1)), Some(json!([]))],
        ),
        (
            term("values"),
            vec![
                None,
                Some(json!("x")),
                Some(json!([1])),
                Some(json!([])),
                Some(json!({})),
            ],
        ),
        (
            term("key"),
            vec![
                None,
                Some(json!(1)),
                Some(json!("jobId")),
                Some(json!("status")),
                Some(json!("JOBTYPE")),
                Some(json!("createdat")),
                Some(json!("")),
            ],
        ),
        (
            term("comparator"),
            vec![
                None,
                Some(json!(1)),
                Some(json!("LIKE")),
                Some(json!("eq")),
                Some(json!("Equals")),
                Some(json!("IN")),
                Some(json!("")),
            ],
        ),
        (
            vec![M("sortCriteria")],
            vec![Some(json!("x")), Some(json!(1)), Some(json!([]))],
        ),
        (
            vec![M("sortCriteria"), M("attributeName")],
            vec![
                Some(json!(1)),
                Some(json!("jobId")),
                Some(json!("CREATEDAT")),
                Some(json!("lastRunErrorStatus")),
                Some(json!("")),
            ],
        ),
        (
            vec![M("sortCriteria"), M("orderBy")],
            vec![
                Some(json!(1)),
                Some(json!("asc")),
                Some(json!("ascending")),
                Some(json!("UP")),
                Some(json!("")),
            ],
        ),
    ];
    match rng.u32(0..10) {
        0 => Flaw::Truncated,
        1 => Flaw::Trailing(
            pick(rng, &[" {}", "}", ",", " x", "]", "\u{0}"])
                .unwrap_or("}")
                .to_string(),
        ),
        2 => Flaw::NotObject(
            pick(rng, &["[]", "\"list\"", "42", "true", "[{}]"])
                .unwrap_or("[]")
                .to_string(),
        ),
        _ => {
            let (path, values) = choices[rng.usize(0..choices.len())].clone();
            let value = values[rng.usize(0..values.len())].clone();
            Flaw::Member { path, value }
        }
    }
}
